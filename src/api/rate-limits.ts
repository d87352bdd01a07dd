import type { FastifyInstance } from 'fastify';
import { countRateLimitHit, pruneRateLimitHits, readRateLimitHits } from '../store/repos/rate-limit-repo.ts';
import { hashSecret } from './auth/secrets.ts';
import type { AppDeps } from './deps.ts';
import { HttpProblem } from './problems.ts';

const HOUR = 3_600_000;
/** Every this many hits a process removes windows that ended over an hour ago. */
const PRUNE_EVERY = 500;
const API_TOKEN_WINDOW_MS = 60_000;

type Answer = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** The route a child store counts for: @fastify/rate-limit passes its merged options with `routeInfo`. */
function routeOf(options: object): string {
  const info = (options as { routeInfo?: { method?: unknown; url?: unknown } }).routeInfo;
  const method = Array.isArray(info?.method) ? info.method.join(',') : String(info?.method ?? '*');
  return `${method} ${String(info?.url ?? '*')}`;
}

/**
 * A store for @fastify/rate-limit that keeps the hits in the database (`rate_limit_hits`), so the route limits
 * (tracking links, inbound mail, unsubscribe, SSO, mailbox tests) hold across every process behind a load balancer
 * instead of per process. The key is a SHA-256 of the route and the client key (the client address, honouring
 * TRUST_PROXY), so no address is stored in clear. Time comes from the app's clock.
 */
export function databaseRateLimitStore(deps: AppDeps) {
  let hitsSincePrune = 0;
  async function prune(now: number): Promise<void> {
    hitsSincePrune++;
    if (hitsSincePrune < PRUNE_EVERY) return;
    hitsSincePrune = 0;
    await pruneRateLimitHits(deps.store.db, now - HOUR);
  }
  return class DatabaseRateLimitStore {
    readonly #route: string;
    constructor(options: object = {}) {
      this.#route = routeOf(options);
    }
    #key(client: string): string {
      return hashSecret(`route\n${this.#route}\n${client}`);
    }
    incr(client: string, answer: Answer, timeWindow: number): void {
      const now = deps.clock.now();
      countRateLimitHit(deps.store.db, this.#key(client), now, timeWindow)
        .then(async (hit) => {
          await prune(now);
          answer(null, { current: hit.hits, ttl: Math.max(0, hit.windowStart + timeWindow - now) });
        })
        .catch((error: Error) => answer(error));
    }
    read(client: string, answer: Answer, timeWindow: number): void {
      const now = deps.clock.now();
      readRateLimitHits(deps.store.db, this.#key(client), now, timeWindow)
        .then((hit) =>
          answer(null, {
            current: hit.hits,
            ttl: hit.hits === 0 ? 0 : Math.max(0, hit.windowStart + timeWindow - now),
          }),
        )
        .catch((error: Error) => answer(error));
    }
    child(options: object): DatabaseRateLimitStore {
      return new DatabaseRateLimitStore(options);
    }
  };
}

/**
 * Requests per API token and minute (API_TOKEN_RATE_LIMIT; 0 turns it off), counted in the database after the
 * token is recognised, so an integration gets the same budget whichever process answers it.
 */
export function registerApiTokenLimit(app: FastifyInstance, deps: AppDeps): void {
  const max = deps.config.apiTokenRateLimit;
  if (max <= 0) return;
  app.addHook('onRequest', async (request, reply) => {
    if (request.authVia !== 'token') return;
    const token = /^bearer[ ]+(\S+)/i.exec(request.headers.authorization ?? '')?.[1];
    if (!token) return;
    const now = deps.clock.now();
    const hit = await countRateLimitHit(
      deps.store.db,
      hashSecret(`api-token\n${hashSecret(token)}`),
      now,
      API_TOKEN_WINDOW_MS,
    );
    reply.header('x-ratelimit-limit', String(max));
    reply.header('x-ratelimit-remaining', String(Math.max(0, max - hit.hits)));
    if (hit.hits > max) {
      const seconds = Math.max(1, Math.ceil((hit.windowStart + API_TOKEN_WINDOW_MS - now) / 1000));
      reply.header('retry-after', String(seconds));
      throw new HttpProblem(
        429,
        'rate_limited',
        `This API token made more than ${max} requests this minute; try again in ${seconds} s`,
      );
    }
  });
}
