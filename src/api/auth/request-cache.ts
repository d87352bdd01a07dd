import type { Store } from '../../store/db.ts';

/**
 * How long this process may keep what it read about tokens, users, roles and organisation settings, ms. It is
 * the bound for a change made by ANOTHER process (a second `serve`, the `stepwise user` command): a revoked token,
 * a deactivated user or a changed role takes effect there within this time. A change made through this process's
 * store (every API route, the CLI in-process, tests) takes effect at once: see `AuthWrites`.
 */
export const AUTH_CACHE_TTL_MS = 2_000;
/** Entries kept at most (tokens, users, organisations); the oldest go first. */
const MAX_ENTRIES = 10_000;

interface Entry {
  value: unknown;
  loadedAt: number;
}

/**
 * Per-process memo of the reads every authenticated request repeats (the token, the actor with their roles, the
 * viewer's time zone, the organisation's settings). An entry is used only while no write to an authorisation
 * table happened through this store since it was read (`store.authWrites`), and for at most AUTH_CACHE_TTL_MS.
 */
export class RequestCache {
  readonly #store: Store;
  readonly #ttlMs: number;
  readonly #entries = new Map<string, Entry>();
  #generation: number;

  constructor(store: Store, ttlMs = AUTH_CACHE_TTL_MS) {
    this.#store = store;
    this.#ttlMs = ttlMs;
    this.#generation = store.authWrites.generation();
  }

  async get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const generation = this.#store.authWrites.generation();
    if (generation !== this.#generation) {
      this.#entries.clear();
      this.#generation = generation;
    }
    const now = performance.now();
    const hit = this.#entries.get(key);
    if (hit && now - hit.loadedAt < this.#ttlMs) return hit.value as T;
    const value = await load();
    // Kept only when no authorisation write overlapped the read: it may have read the old rows.
    if (this.#ttlMs > 0 && this.#store.authWrites.generation() === generation) {
      this.#entries.delete(key);
      if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value ?? '');
      this.#entries.set(key, { value, loadedAt: now });
    }
    return value;
  }
}

const caches = new WeakMap<Store, RequestCache>();

/** The cache of this store in this process. */
export function requestCache(store: Store): RequestCache {
  let cache = caches.get(store);
  if (!cache) {
    cache = new RequestCache(store);
    caches.set(store, cache);
  }
  return cache;
}
