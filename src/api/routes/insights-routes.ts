import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { toCsv } from '../../domain/csv.ts';
import {
  INSIGHT_WINDOWS,
  type InsightWindow,
  rate,
  successReasonsFor,
  trendPeriodDays,
} from '../../domain/insights.ts';
import { decideOrg, decideSequence, isWithinUnit } from '../../domain/permissions/permissions.ts';
import type { RecordType } from '../../domain/sequence/definition.ts';
import { OVERDUE_GRACE_MS } from '../../domain/worklist/steps.ts';
import { type AbWinnerRow, winnersOfSequence } from '../../store/repos/ab-winners-repo.ts';
import {
  connectionCountsByStatus,
  emailCountsByVariant,
  sellerCounts,
  sequenceForInsights,
  stepCounts,
  successByPeriod,
  usersInUnits,
} from '../../store/repos/insights-repo.ts';
import type { ApiApp } from '../app.ts';
import { requireActor } from '../auth/authenticate.ts';
import { enforce, loadPolicy } from '../auth/guard.ts';
import type { AppDeps } from '../deps.ts';
import { notFoundProblem, ProblemSchema } from '../problems.ts';

const DAY_MS = 86_400_000;

const WindowQuery = z.strictObject({
  days: z.coerce
    .number()
    .refine((days): days is InsightWindow => (INSIGHT_WINDOWS as readonly number[]).includes(days), {
      message: `days must be one of ${INSIGHT_WINDOWS.join(', ')}`,
    })
    .default(30),
});

export const EmailRatesSchema = z.object({
  sent: z.number(),
  opened: z.number(),
  clicked: z.number(),
  replied: z.number(),
  bounced: z.number(),
  openRate: z.number(),
  clickRate: z.number(),
  replyRate: z.number(),
  bounceRate: z.number(),
});

export const SellerInsightsSchema = z
  .object({
    days: z.number(),
    sellers: z.array(
      z.object({
        ownerId: z.string(),
        ownerName: z.string(),
        completed: z.number(),
        skipped: z.number(),
        open: z.number(),
        overdue: z.number(),
      }),
    ),
  })
  .meta({ id: 'SellerInsights' });

export const SequenceInsightsSchema = z
  .object({
    sequenceId: z.string(),
    days: z.number(),
    connections: z.object({
      total: z.number(),
      active: z.number(),
      paused: z.number(),
      completed: z.number(),
      disconnected: z.number(),
      failed: z.number(),
    }),
    steps: z.array(
      z.object({
        nodeId: z.string(),
        name: z.string(),
        kind: z.string(),
        completed: z.number(),
        skipped: z.number(),
        canceled: z.number(),
        failed: z.number(),
        open: z.number(),
        email: EmailRatesSchema.nullable(),
      }),
    ),
    email: EmailRatesSchema,
    abTests: z.array(
      z.object({
        nodeId: z.string(),
        variants: z.array(EmailRatesSchema.extend({ variant: z.string() })),
        /** The decided variant (new recipients get only it); null while the split runs. */
        winner: z
          .object({
            variant: z.string(),
            metric: z.string(),
            decidedAt: z.string(),
            versionId: z.string(),
            /** z statistic of the two-proportion test against the runner-up. */
            z: z.number().nullable(),
            /** null: decided by the end rule; else the user who chose it by hand. */
            decidedBy: z.string().nullable(),
          })
          .nullable(),
      }),
    ),
    success: z.object({
      reasons: z.array(z.string()),
      connected: z.number(),
      succeeded: z.number(),
      rate: z.number(),
      trend: z.array(
        z.object({ periodStart: z.string(), connected: z.number(), succeeded: z.number(), rate: z.number() }),
      ),
    }),
  })
  .meta({ id: 'SequenceInsights' });

function withRates(counts: {
  sent: number;
  opened: number;
  clicked: number;
  replied: number;
  bounced: number;
}) {
  return {
    ...counts,
    openRate: rate(counts.opened, counts.sent),
    clickRate: rate(counts.clicked, counts.sent),
    replyRate: rate(counts.replied, counts.sent),
    bounceRate: rate(counts.bounced, counts.sent),
  };
}

function sumEmail(
  rows: { sent: number; opened: number; clicked: number; replied: number; bounced: number }[],
) {
  return rows.reduce(
    (total, row) => ({
      sent: total.sent + row.sent,
      opened: total.opened + row.opened,
      clicked: total.clicked + row.clicked,
      replied: total.replied + row.replied,
      bounced: total.bounced + row.bounced,
    }),
    { sent: 0, opened: 0, clicked: 0, replied: 0, bounced: 0 },
  );
}

function winnerView(row: AbWinnerRow | undefined) {
  if (!row) return null;
  let z: number | null = null;
  try {
    const data = JSON.parse(row.data_json) as { z?: unknown };
    z = typeof data.z === 'number' ? Math.round(data.z * 100) / 100 : null;
  } catch {
    z = null;
  }
  return {
    variant: row.variant,
    metric: row.metric,
    decidedAt: new Date(row.decided_at).toISOString(),
    versionId: row.version_id,
    z,
    decidedBy: row.decided_by,
  };
}

async function sequenceInsights(
  deps: AppDeps,
  request: FastifyRequest,
  sequenceId: string,
  days: InsightWindow,
) {
  const actor = requireActor(request);
  const policy = await loadPolicy(deps, request, actor.orgId);
  const sequence = await sequenceForInsights(deps.store.db, actor.orgId, sequenceId);
  if (!sequence) throw notFoundProblem('Sequence');
  enforce(decideSequence(actor, policy, 'view', sequence.ref), 'Sequence');
  enforce(decideOrg(actor, policy, 'view_reports'), 'Sequence');

  const now = deps.clock.now();
  const since = now - days * DAY_MS;
  const db = deps.store.db;
  const [byStatus, steps, emails, winners] = await Promise.all([
    connectionCountsByStatus(db, actor.orgId, sequence.id, since),
    stepCounts(db, actor.orgId, sequence.id, since),
    emailCountsByVariant(db, actor.orgId, sequence.id, since),
    winnersOfSequence(db, actor.orgId, sequence.id),
  ]);
  // The latest decision per node (a new version starts its own test).
  const winnerOf = new Map<string, (typeof winners)[number]>();
  for (const row of [...winners].sort((a, b) => a.decided_at - b.decided_at)) winnerOf.set(row.node_id, row);
  const reasons = successReasonsFor(sequence.record_type as RecordType);
  const periods = await successByPeriod(
    db,
    actor.orgId,
    sequence.id,
    since,
    trendPeriodDays(days) * DAY_MS,
    reasons,
  );
  const connected = periods.reduce((n, p) => n + p.connected, 0);
  const succeeded = periods.reduce((n, p) => n + p.succeeded, 0);
  const abNodes = [
    ...new Set([...emails.filter((row) => row.variant !== '').map((row) => row.nodeId), ...winnerOf.keys()]),
  ];

  const body = {
    sequenceId: sequence.id,
    days,
    connections: {
      total: Object.values(byStatus).reduce((n, v) => n + v, 0),
      active: byStatus.active ?? 0,
      paused: byStatus.paused ?? 0,
      completed: byStatus.completed ?? 0,
      disconnected: byStatus.disconnected ?? 0,
      failed: byStatus.failed ?? 0,
    },
    steps: steps.map((step) => {
      const stepEmails = emails.filter((row) => row.nodeId === step.nodeId);
      return { ...step, email: stepEmails.length > 0 ? withRates(sumEmail(stepEmails)) : null };
    }),
    email: withRates(sumEmail(emails)),
    abTests: abNodes.map((nodeId) => ({
      nodeId,
      variants: emails
        .filter((row) => row.nodeId === nodeId)
        .map((row) => ({ variant: row.variant, ...withRates(row) }))
        .sort((a, b) => a.variant.localeCompare(b.variant)),
      winner: winnerView(winnerOf.get(nodeId)),
    })),
    success: {
      reasons,
      connected,
      succeeded,
      rate: rate(succeeded, connected),
      trend: periods.map((p) => ({
        periodStart: new Date(p.periodStart).toISOString(),
        connected: p.connected,
        succeeded: p.succeeded,
        rate: rate(p.succeeded, p.connected),
      })),
    },
  };
  return body;
}

export async function insightsRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/sequences/:id/insights',
    {
      schema: {
        tags: ['insights'],
        summary: 'Live funnel, step, email, A/B and success figures of a sequence (JSON or CSV)',
        params: z.strictObject({ id: z.string().max(64) }),
        querystring: WindowQuery,
        response: { 200: SequenceInsightsSchema, 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => sequenceInsights(deps, request, request.params.id, request.query.days),
  );

  app.get(
    '/api/sequences/:id/insights.csv',
    {
      schema: {
        tags: ['insights'],
        summary: 'Per-step insights of a sequence as CSV',
        params: z.strictObject({ id: z.string().max(64) }),
        querystring: WindowQuery,
        response: { 200: z.string(), 403: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const days = request.query.days;
      const body = await sequenceInsights(deps, request, request.params.id, days);
      const csv = toCsv(
        [
          'node_id',
          'name',
          'kind',
          'completed',
          'skipped',
          'canceled',
          'failed',
          'open',
          'sent',
          'opened',
          'clicked',
          'replied',
          'bounced',
        ],
        body.steps.map((s) => [
          s.nodeId,
          s.name,
          s.kind,
          s.completed,
          s.skipped,
          s.canceled,
          s.failed,
          s.open,
          s.email?.sent ?? 0,
          s.email?.opened ?? 0,
          s.email?.clicked ?? 0,
          s.email?.replied ?? 0,
          s.email?.bounced ?? 0,
        ]),
      );
      return reply
        .type('text/csv; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="sequence-${body.sequenceId}-insights-${days}d.csv"`,
        )
        .serializer((payload: string) => payload)
        .send(csv);
    },
  );

  app.get(
    '/api/insights/sellers',
    {
      schema: {
        tags: ['insights'],
        summary: 'Work done and overdue per seller in your business unit and the units below it',
        querystring: WindowQuery,
        response: {
          200: SellerInsightsSchema,
          403: ProblemSchema,
        },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const policy = await loadPolicy(deps, request, actor.orgId);
      enforce(decideOrg(actor, policy, 'view_reports'), 'Report');
      const units = actor.roles.includes('admin')
        ? policy.businessUnits.map((unit) => unit.id)
        : policy.businessUnits
            .filter((unit) => isWithinUnit(policy, actor.businessUnitId, unit.id))
            .map((u) => u.id);
      const now = deps.clock.now();
      const users = await usersInUnits(deps.store.db, actor.orgId, units);
      const sellers = await sellerCounts(
        deps.store.db,
        actor.orgId,
        users.map((user) => user.id),
        now - request.query.days * DAY_MS,
        // Overdue as the work list says it (after its grace), so a seller's Insights and work list agree.
        now - OVERDUE_GRACE_MS,
      );
      return { days: request.query.days, sellers };
    },
  );
}
