import { describe, expect, it } from 'vitest';
import { createOrg } from '../../src/cli/commands/org-command.ts';
import { allSuppressions, suppressionsCsv, unsuppress } from '../../src/cli/commands/suppression-command.ts';
import { FakeClock } from '../../src/engine/clock.ts';
import { addSuppression } from '../../src/store/repos/suppressions-repo.ts';
import { dialects, freshStore } from '../support/databases.ts';

describe.each(dialects)('stepwise suppression list / export / remove on %s', (dialect) => {
  it('lists and searches, exports formula-safe CSV and removes with an audit entry', async () => {
    const store = await freshStore(dialect);
    const clock = new FakeClock();
    try {
      const org = await createOrg(store, { name: 'Acme', timeZone: 'Europe/Warsaw' }, clock.now());
      for (const [i, address] of ['gone@bounced.test', 'spam@complained.test'].entries()) {
        await addSuppression(store.db, {
          orgId: org.orgId,
          address,
          reason: i === 0 ? 'hard_bounce' : 'complaint',
          detail: i === 0 ? '=HYPERLINK("x") 550 user unknown' : 'feedback: abuse',
          outboundMessageId: null,
          createdBy: null,
          now: clock.now() + i,
        });
      }
      expect((await allSuppressions(store)).map((row) => row.address)).toEqual([
        'spam@complained.test',
        'gone@bounced.test',
      ]);
      expect((await allSuppressions(store, 'Acme', 'bounced')).map((row) => row.address)).toEqual([
        'gone@bounced.test',
      ]);
      const csv = suppressionsCsv(await allSuppressions(store));
      expect(csv).toContain(`gone@bounced.test,hard_bounce,"'=HYPERLINK(""x"") 550 user unknown"`);
      await unsuppress(store, 'GONE@bounced.test', clock.now());
      expect((await allSuppressions(store)).map((row) => row.address)).toEqual(['spam@complained.test']);
      await expect(unsuppress(store, 'gone@bounced.test', clock.now())).rejects.toThrow(
        /not on the suppression list/,
      );
      const audit = await store.db
        .selectFrom('audit_log')
        .select('action')
        .where('resource_type', '=', 'suppression')
        .execute();
      expect(audit).toEqual([{ action: 'suppression.remove' }]);
    } finally {
      await store.close();
    }
  });
});
