import { z } from 'zod';
import { HttpProblem } from './problems.ts';

/**
 * Cursor pagination: a list returns `nextCursor`, an opaque token holding the sort key of the last item; the
 * next request passes it back as `cursor`. Stable under inserts, unlike offsets.
 */
export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(1000).optional(),
});

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export function encodeCursor(key: Record<string, string | number | null>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<T extends z.ZodType>(
  cursor: string | undefined,
  shape: T,
): z.infer<T> | undefined {
  if (cursor === undefined) return undefined;
  try {
    return shape.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new HttpProblem(400, 'invalid_cursor', 'The cursor is not valid; start again without it', [
      { path: ['querystring', 'cursor'], code: 'invalid_cursor', message: 'Not a cursor this list produced' },
    ]);
  }
}

/** Fetch `limit + 1` rows, then call this: it trims the extra row and builds the next cursor from the last item. */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  toItem: (row: Row) => Item,
  cursorOf: (row: Row) => Record<string, string | number | null>,
): { items: Item[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(toItem),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(cursorOf(last)) : null,
  };
}
