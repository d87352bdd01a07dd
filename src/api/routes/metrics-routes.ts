import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { engineRegistry } from '../../engine/engine-metrics.ts';
import { mailRegistry } from '../../mail/mail-metrics.ts';
import { countOrgs, loadOperationalCounts } from '../../store/repos/metrics-repo.ts';
import type { ConnectionStatus, MessageStatus } from '../../store/schema.ts';
import type { ApiApp } from '../app.ts';
import { safeEqual } from '../auth/secrets.ts';
import type { AppDeps } from '../deps.ts';
import { forbidden, unauthorized } from '../problems.ts';

export const METRICS_PATH = '/api/metrics';
/** Prometheus's conventional path; the same metrics and the same access rules as METRICS_PATH. */
export const PROMETHEUS_PATH = '/metrics';
const SCRAPE_PATHS: readonly string[] = [METRICS_PATH, PROMETHEUS_PATH];

const MESSAGE_STATUSES: readonly MessageStatus[] = [
  'queued',
  'held',
  'sending',
  'sent',
  'bounced',
  'failed',
  'canceled',
];
const CONNECTION_STATUSES: readonly ConnectionStatus[] = [
  'active',
  'paused',
  'completed',
  'disconnected',
  'failed',
];

/** The bearer token Prometheus sends, when it is METRICS_TOKEN (checked before API-token authentication). */
export function isMetricsToken(deps: AppDeps, path: string, header: string | undefined): boolean {
  const expected = deps.config.metrics.token;
  if (!expected || !SCRAPE_PATHS.includes(path) || !header) return false;
  const match = /^bearer[ ]+(\S+)[ ]*$/i.exec(header);
  return match !== null && safeEqual(match[1]!, expected);
}

/**
 * Prometheus metrics in the text format: HTTP request counts and latency by route, the outbox by status, engine
 * backlog (due tasks, age of the oldest), connections by status, and this process's engine counters, all of them
 * for the whole deployment. Readable with `Authorization: Bearer $METRICS_TOKEN`, by anyone when
 * METRICS_PUBLIC=true, and by an administrator while the deployment hosts one organisation only.
 */
export async function metricsRoutes(app: ApiApp, deps: AppDeps): Promise<void> {
  const registry = new Registry();
  const requests = new Counter({
    name: 'stepwise_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'stepwise_http_request_duration_seconds',
    help: 'HTTP request latency by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const outbox = new Gauge({
    name: 'stepwise_outbox_messages',
    help: 'Outbound emails by status (all organisations)',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const connections = new Gauge({
    name: 'stepwise_connections',
    help: 'Connected records by status (all organisations)',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const dueTasks = new Gauge({
    name: 'stepwise_engine_due_tasks',
    help: 'Engine tasks due now and not yet applied (the backlog)',
    registers: [registry],
  });
  const oldestDue = new Gauge({
    name: 'stepwise_engine_oldest_due_seconds',
    help: 'How late the oldest due engine task is (engine lag), 0 when nothing is due',
    registers: [registry],
  });
  const oldestQueued = new Gauge({
    name: 'stepwise_outbox_oldest_queued_seconds',
    help: 'How late the oldest queued email due for sending is (delivery lag), 0 when none is waiting',
    registers: [registry],
  });
  const deadTasks = new Gauge({
    name: 'stepwise_engine_dead_tasks',
    help: 'Engine tasks given up after crashing their worker or failing too often; an admin requeues them',
    registers: [registry],
  });
  const webhookDeliveries = new Gauge({
    name: 'stepwise_webhook_deliveries',
    help: 'Webhook deliveries still pending (retrying) and failed (given up)',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const pool = new Gauge({
    name: 'stepwise_db_pool_connections',
    help: "This process's PostgreSQL pool: connections in_use, idle, waiting (queries queued for a connection) and max (none for SQLite)",
    labelNames: ['state'] as const,
    registers: [registry],
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (SCRAPE_PATHS.includes(route)) return;
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  const scrape = async (request: FastifyRequest, reply: FastifyReply) => {
    const viaToken = isMetricsToken(deps, METRICS_PATH, request.headers.authorization);
    if (!viaToken && !deps.config.metrics.public) {
      if (!request.actor)
        throw unauthorized('Send `Authorization: Bearer <METRICS_TOKEN>` or sign in as admin');
      if (!request.actor.roles.includes('admin')) {
        throw forbidden('metrics.read', 'Metrics are for administrators (or METRICS_TOKEN)');
      }
      // The figures count every organisation: one organisation's admin reads them only while theirs is the only one.
      if ((await countOrgs(deps.store.db)) > 1) {
        throw forbidden(
          'metrics.read',
          "This server hosts several organisations: its metrics are for the server's operator (METRICS_TOKEN)",
        );
      }
    }
    const now = deps.clock.now();
    const counts = await loadOperationalCounts(deps.store.db, now);
    for (const status of MESSAGE_STATUSES) outbox.set({ status }, counts.outboxByStatus[status] ?? 0);
    for (const status of CONNECTION_STATUSES)
      connections.set({ status }, counts.connectionsByStatus[status] ?? 0);
    dueTasks.set(counts.dueTasks);
    oldestDue.set(counts.oldestDueAt === null ? 0 : Math.max(0, (now - counts.oldestDueAt) / 1000));
    oldestQueued.set(counts.oldestQueuedAt === null ? 0 : Math.max(0, (now - counts.oldestQueuedAt) / 1000));
    deadTasks.set(counts.deadTasks);
    webhookDeliveries.set({ status: 'pending' }, counts.webhookDeliveries.pending);
    webhookDeliveries.set({ status: 'failed' }, counts.webhookDeliveries.failed);
    const stats = deps.store.poolStats?.();
    if (stats) {
      pool.set({ state: 'in_use' }, stats.total - stats.idle);
      pool.set({ state: 'idle' }, stats.idle);
      pool.set({ state: 'waiting' }, stats.waiting);
      pool.set({ state: 'max' }, stats.max);
    }
    const merged = Registry.merge([registry, engineRegistry, mailRegistry]);
    reply.type(merged.contentType);
    return merged.metrics();
  };
  for (const path of SCRAPE_PATHS) app.get(path, { schema: { hide: true } }, scrape);
}
