import type {
  KyselyPlugin,
  OperationNode,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryId,
  QueryResult,
  RootOperationNode,
  UnknownRow,
  UpdateQueryNode,
} from 'kysely';

/**
 * Tables whose rows decide who a request is and what it may do: API tokens, users (active, business unit, time
 * zone), role assignments, the organisation's settings (feature roles, time zone) and its business-unit tree.
 * The API caches what it reads from them per process (src/api/auth/request-cache.ts); a write to any of them
 * through this process's store makes that cache start again.
 */
export const AUTH_TABLES: ReadonlySet<string> = new Set([
  'api_tokens',
  'users',
  'role_assignments',
  'orgs',
  'business_units',
]);

function tableName(node: OperationNode | undefined): string | null {
  if (!node) return null;
  if (node.kind === 'AliasNode') return tableName((node as unknown as { node: OperationNode }).node);
  if (node.kind === 'TableNode') {
    return (node as unknown as { table: { identifier: { name: string } } }).table.identifier.name;
  }
  return null;
}

/** Columns whose change decides nothing: a token's last use (written at most once a minute per token). */
const BOOKKEEPING_COLUMNS: ReadonlySet<string> = new Set(['last_used_at']);

function onlyBookkeeping(node: UpdateQueryNode): boolean {
  const columns = (node.updates ?? []).map(
    (update) => (update.column as unknown as { column?: { name?: string } }).column?.name ?? '',
  );
  return columns.length > 0 && columns.every((column) => BOOKKEEPING_COLUMNS.has(column));
}

/** The tables an INSERT, UPDATE or DELETE writes to (none for reads and raw SQL). */
function writtenTables(node: RootOperationNode): string[] {
  switch (node.kind) {
    case 'InsertQueryNode':
      return [tableName(node.into)].filter((t): t is string => t !== null);
    case 'UpdateQueryNode':
      if (onlyBookkeeping(node)) return [];
      return [tableName(node.table)].filter((t): t is string => t !== null);
    case 'DeleteQueryNode':
      return node.from.froms.map(tableName).filter((t): t is string => t !== null);
    default:
      return [];
  }
}

/**
 * A Kysely plugin counting writes to the authorisation tables: the count goes up when such a statement is sent
 * and again when it has run, so a reader that overlapped the write sees a different count at its end than at its
 * start and does not keep what it read. A write inside a transaction is visible to others only at the commit,
 * after both counts; the HTTP layer bumps once more when a request that wrote has finished (`bump`).
 */
export class AuthWrites implements KyselyPlugin {
  #generation = 0;
  readonly #pending = new WeakSet<QueryId>();

  /** Changes whenever an authorisation table may have changed through this store. */
  generation(): number {
    return this.#generation;
  }

  bump(): void {
    this.#generation++;
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (writtenTables(args.node).some((table) => AUTH_TABLES.has(table))) {
      this.#generation++;
      this.#pending.add(args.queryId);
    }
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (this.#pending.has(args.queryId)) {
      this.#pending.delete(args.queryId);
      this.#generation++;
    }
    return args.result;
  }
}
