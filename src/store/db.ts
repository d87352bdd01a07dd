import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  type SqliteStatement,
} from 'kysely';
import pg from 'pg';
import { AuthWrites } from './auth-writes.ts';
import { DEFAULT_DATABASE_URL } from './default-database-url.ts';
import { assertNoNul, nulGuardedPool } from './nul-guard.ts';
import type { Database } from './schema.ts';

export type DialectName = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: DialectName;
  /** The connection string this store was opened with (workers of other processes reuse it). */
  url: string;
  close(): Promise<void>;
  /** PostgreSQL: the connection pool's counts now (for /api/metrics); absent for SQLite's single connection. */
  poolStats?: () => PoolStats;
  /** Counts writes to the tables that decide authorisation (the API's per-process cache starts again). */
  authWrites: AuthWrites;
  /**
   * PostgreSQL: the pool's connection settings (URL and TLS, DATABASE_SSL_CA_FILE) for a client of its own, such
   * as the engine's LISTEN connection, so it connects exactly as the pool does.
   */
  connectionConfig?: pg.ClientConfig;
}

export interface PoolStats {
  /** Connections open (in use + idle). */
  total: number;
  idle: number;
  /** Queries waiting for a free connection. */
  waiting: number;
  max: number;
}

// int8 (epoch milliseconds) and numeric come back from pg as strings; all our values fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

/**
 * Kysely prepares every query anew; compiling SQL is a large share of SQLite's cost on hot paths (the engine
 * repeats the same statements thousands of times), so prepared statements are kept per SQL text (bounded LRU).
 */
function withStatementCache(sqlite: SQLite.Database, capacity = 500): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql);
      } else {
        statement = nulGuarded(sqlite, sqlite.prepare(sql));
        if (cache.size >= capacity) cache.delete(cache.keys().next().value ?? '');
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

/**
 * SQLite rolls a transaction back by itself on some errors (SQLITE_FULL "database or disk is full", SQLITE_IOERR,
 * SQLITE_NOMEM). Kysely then sends its own ROLLBACK, which fails with "cannot rollback - no transaction is
 * active" and replaces the original error. This driver skips the ROLLBACK when no transaction is open, so the
 * caller sees the real cause.
 */
class StoreSqliteDriver extends SqliteDriver {
  readonly #sqlite: SQLite.Database;
  constructor(config: SqliteDialectConfig, sqlite: SQLite.Database) {
    super(config);
    this.#sqlite = sqlite;
  }
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (!this.#sqlite.inTransaction) return;
    await super.rollbackTransaction(connection);
  }
}

class StoreSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #sqlite: SQLite.Database;
  constructor(config: SqliteDialectConfig, sqlite: SQLite.Database) {
    super(config);
    this.#config = config;
    this.#sqlite = sqlite;
  }
  override createDriver(): Driver {
    return new StoreSqliteDriver(this.#config, this.#sqlite);
  }
}

/** Parameter lists made by `rowBatch`. */
const ROW_BATCHES = new WeakSet<object>();

/**
 * SQLite: many parameter lists for one statement. Passed as a query's parameters, the statement (prepared once,
 * from the statement cache) runs once per list, all in one call from Kysely; the engine's multi-row writes use it
 * with a fixed-size VALUES list (src/store/repos/engine/multi-row.ts), so their texts do not change with the row
 * count. Rows of a RETURNING statement come back in list order.
 */
export function rowBatch(rows: unknown[][]): unknown[] {
  ROW_BATCHES.add(rows);
  return rows;
}

const isRowBatch = (parameters: unknown): parameters is readonly (readonly unknown[])[] =>
  typeof parameters === 'object' && parameters !== null && ROW_BATCHES.has(parameters);

/**
 * The statement, refusing text with NUL like PostgreSQL does (src/store/nul-guard.ts), running row batches. A row
 * batch outside a transaction runs in its own (all lists or none). Inside one it runs without a savepoint: a
 * savepoint would copy every page the batch touches into a sub-journal, which costs more than the statements;
 * a failing row leaves the rows before it in the transaction, which the caller rolls back (as every engine write
 * does: the batch transaction ends on the error).
 */
function nulGuarded(sqlite: SQLite.Database, statement: SQLite.Statement): SqliteStatement {
  const allRows = (rows: readonly (readonly unknown[])[]) => {
    const out: unknown[] = [];
    for (const row of rows) {
      assertNoNul(row);
      for (const result of statement.all(row)) out.push(result);
    }
    return out;
  };
  const runRows = (rows: readonly (readonly unknown[])[]) => {
    let changes = 0;
    let lastInsertRowid: number | bigint = 0;
    for (const row of rows) {
      assertNoNul(row);
      const result = statement.run(row);
      changes += result.changes;
      lastInsertRowid = result.lastInsertRowid;
    }
    return { changes, lastInsertRowid };
  };
  const allRowsAtomic = sqlite.transaction(allRows);
  const runRowsAtomic = sqlite.transaction(runRows);
  return {
    reader: statement.reader,
    all: (parameters) => {
      if (isRowBatch(parameters))
        return sqlite.inTransaction ? allRows(parameters) : allRowsAtomic(parameters);
      assertNoNul(parameters);
      return statement.all(parameters);
    },
    run: (parameters) => {
      if (isRowBatch(parameters))
        return sqlite.inTransaction ? runRows(parameters) : runRowsAtomic(parameters);
      assertNoNul(parameters);
      return statement.run(parameters);
    },
    iterate: (parameters) => {
      assertNoNul(parameters);
      return statement.iterate(parameters);
    },
  };
}

export { DEFAULT_DATABASE_URL };

export interface StoreOptions {
  poolSize?: number;
  /** PostgreSQL `statement_timeout` in ms for every pooled connection (0 or absent: none). */
  statementTimeoutMs?: number;
  /** Close a pooled connection idle this long (ms; 0: never; absent: 10 s). */
  idleTimeoutMs?: number;
  /** Verify the server certificate against this CA (PEM). */
  sslCa?: string;
  /**
   * Told about connections PostgreSQL dropped (restart, failover, network). The pool discards such a connection
   * and opens a new one for the next query; without a listener the 'error' event would end the process.
   */
  onConnectionError?: (error: Error) => void;
}

/** Opens SQLite (`sqlite:./path` or `sqlite::memory:`) or PostgreSQL (`postgres://…`). */
export function openStore(url: string = DEFAULT_DATABASE_URL, options: StoreOptions = {}): Store {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const connectionConfig: pg.ClientConfig = {
      connectionString: url,
      ...(options.sslCa ? { ssl: { ca: options.sslCa, rejectUnauthorized: true } } : {}),
    };
    const pool = new pg.Pool({
      ...connectionConfig,
      max: options.poolSize ?? 10,
      // A query waits at most this long for a connection, so an unreachable server fails requests and loops
      // (which back off and retry) instead of hanging them.
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: options.idleTimeoutMs ?? 10_000,
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    });
    const onError = options.onConnectionError ?? (() => undefined);
    // Idle connections report to the pool; connections in use report to their client. Both need a listener.
    pool.on('error', onError);
    pool.on('connect', (client) => client.on('error', onError));
    const authWrites = new AuthWrites();
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: nulGuardedPool(pool) }),
      plugins: [authWrites],
    });
    const max = options.poolSize ?? 10;
    const poolStats = () => ({
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max,
    });
    return {
      db,
      dialect: 'postgres',
      url,
      close: () => db.destroy(),
      poolStats,
      authWrites,
      connectionConfig,
    };
  }
  if (!url.startsWith('sqlite:')) {
    throw new Error(`DATABASE_URL must start with sqlite: or postgres://, got "${url}"`);
  }
  const path = url.slice('sqlite:'.length);
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new SQLite(path === ':memory:' ? ':memory:' : resolve(path));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  // Planner statistics. Without them SQLite may read a seller's work list through a less selective index (every
  // due step by date, then filter by owner): 74 ms instead of 4 ms per page at a million steps. `optimize` analyses
  // only what needs it, within SQLite's analysis limit: at open, then hourly as tables grow (SQLite's advice for
  // long-lived connections).
  const optimize = () => {
    try {
      sqlite.pragma(SQLITE_OPTIMIZE);
    } catch {
      // Another process holds the write lock (busy): the statistics can wait for the next hour.
    }
  };
  optimize();
  const optimizer = setInterval(optimize, SQLITE_OPTIMIZE_EVERY_MS);
  optimizer.unref();
  const authWrites = new AuthWrites();
  const db = new Kysely<Database>({
    dialect: new StoreSqliteDialect({ database: withStatementCache(sqlite) }, sqlite),
    plugins: [authWrites],
  });
  const close = () => {
    clearInterval(optimizer);
    return db.destroy();
  };
  return { db, dialect: 'sqlite', url, close, authWrites };
}

const SQLITE_OPTIMIZE_EVERY_MS = 3_600_000;
/** `optimize` over every table (0x10000), running ANALYZE where statistics are missing or stale (0x02). */
export const SQLITE_OPTIMIZE = 'optimize=0x10002';
