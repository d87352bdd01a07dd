import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BU } from '../support/world.ts';
import { type E2E, startE2E } from './designer-helpers.ts';
import { signInWithSession } from './session-sign-in.ts';
import { refuseNativeDialogs } from './walk-support.ts';

/** Session 11, an admin's week: business units are deleted for good, so the app asks first. */
describe('an admin in Settings → Business units', () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  });
  afterAll(async () => {
    await e2e?.close();
  });

  it('asks before deleting a unit; Cancel keeps it, Delete removes it (English and Polish)', async () => {
    for (const [locale, unitName, words] of [
      ['en', 'Temporary team', { delete: 'Delete', cancel: 'Cancel', title: 'Delete the business unit' }],
      ['pl', 'Zespół tymczasowy', { delete: 'Usuń', cancel: 'Anuluj', title: 'Usunąć jednostkę biznesową' }],
    ] as const) {
      const created = await e2e.world.as('eastAdmin', 'POST', '/api/admin/business-units', {
        name: unitName,
        parentId: BU.east,
      });
      expect(created.statusCode, created.body).toBe(201);
      const { context, page } = await signInWithSession(e2e, 'eastAdmin', { locale });
      try {
        refuseNativeDialogs(page);
        await page.goto(`${e2e.baseUrl}/settings/business-units`);
        const row = page.getByRole('listitem').filter({ hasText: unitName });
        await row.getByRole('button', { name: words.delete }).click();
        const dialog = page.getByRole('dialog', { name: new RegExp(words.title) });
        await dialog.waitFor();
        await dialog.getByRole('button', { name: words.cancel }).click();
        await dialog.waitFor({ state: 'detached' });
        const units = async () =>
          (await e2e.world.as('eastAdmin', 'GET', '/api/admin/business-units')).json().items as {
            name: string;
          }[];
        expect((await units()).map((unit) => unit.name)).toContain(unitName);

        await row.getByRole('button', { name: words.delete }).click();
        await dialog.getByTestId('confirm-action').click();
        await row.waitFor({ state: 'detached' });
        expect((await units()).map((unit) => unit.name)).not.toContain(unitName);
      } finally {
        await context.close();
      }
    }
  });
});
