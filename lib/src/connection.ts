// The platform's cursor envelope page {items, next_cursor, has_more, limit} and its mapping onto
// a Relay connection, forward (first/after) and backward (last/before).
//
// Repositories page with keyset pagination on a stable sort key and fetch `limit + 1` rows to
// learn `has_more`. Cursors are opaque base64url JSON that name the list they belong to and the
// tenant they were issued to: a cursor from another list or tenant is BAD_USER_INPUT, not a 500.
import { createHash } from 'node:crypto';
import { badUserInput } from './errors.ts';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** The REST envelope page, exactly as the platform's services return it. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
  has_more: boolean;
  limit: number;
}

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** What a repository needs to read one page, in the direction it must scan. */
export interface PageRequest<K> {
  direction: 'forward' | 'backward';
  limit: number;
  /** Keyset position to continue from (exclusive), decoded from after/before. */
  cursor: K | null;
}

export interface CursorCodec<K> {
  encode(key: K): string;
  decode(cursor: string): K;
}

const tenantTag = (scope: string) => createHash('sha256').update(scope).digest('base64url').slice(0, 10);

/**
 * A cursor codec for one list (`list`) of one tenant (`scope`). `validate` checks the decoded
 * key's shape (e.g. a zod schema's parse) and throws on anything else.
 */
export function cursorCodec<K>(list: string, scope: string, validate: (key: unknown) => K): CursorCodec<K> {
  const tag = tenantTag(scope);
  return {
    encode(key) {
      return Buffer.from(JSON.stringify({ l: list, s: tag, k: key })).toString('base64url');
    },
    decode(cursor) {
      const bad = () => badUserInput('Invalid cursor', { argument: 'cursor' });
      if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 512 || !/^[A-Za-z0-9_-]+$/.test(cursor))
        throw bad();
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      } catch {
        throw bad();
      }
      const p = parsed as { l?: unknown; s?: unknown; k?: unknown } | null;
      if (!p || typeof p !== 'object' || p.l !== list || p.s !== tag) throw bad();
      try {
        return validate(p.k);
      } catch {
        throw bad();
      }
    },
  };
}

/** Checks connection arguments and turns them into a page request. */
export function pageRequest<K>(
  args: ConnectionArgs,
  codec: CursorCodec<K>,
  opts: { defaultSize?: number; maxSize?: number } = {},
): PageRequest<K> {
  const def = opts.defaultSize ?? DEFAULT_PAGE_SIZE;
  const max = opts.maxSize ?? MAX_PAGE_SIZE;
  const { first, after, last, before } = args;
  const has = (v: unknown) => v !== undefined && v !== null;
  if (has(first) && has(last)) throw badUserInput('Pass either `first` or `last`, not both');
  if (has(after) && has(before)) throw badUserInput('Pass either `after` or `before`, not both');
  if ((has(last) || has(before)) && (has(first) || has(after)))
    throw badUserInput('`last`/`before` page backward and cannot be combined with `first`/`after`');
  const backward = has(last) || has(before);
  const size = backward ? last : first;
  if (has(size)) {
    const n = size as number;
    if (!Number.isInteger(n) || n < 0)
      throw badUserInput(`\`${backward ? 'last' : 'first'}\` must be a non-negative integer`);
    if (n > max) throw badUserInput(`\`${backward ? 'last' : 'first'}\` must be at most ${max}`, { max });
  }
  const cursorArg = backward ? before : after;
  return {
    direction: backward ? 'backward' : 'forward',
    limit: has(size) ? (size as number) : def,
    cursor: has(cursorArg) ? codec.decode(cursorArg as string) : null,
  };
}

/**
 * Builds the envelope page from `limit + 1` rows read in scan order. `keyOf` gives the keyset
 * position of a row; the next cursor is the position of the last row returned.
 */
export function pageFromRows<T, K>(rows: T[], limit: number, keyOf: (row: T) => K, codec: CursorCodec<K>): Page<T> {
  const has_more = rows.length > limit;
  const items = has_more ? rows.slice(0, limit) : rows;
  const last = items.at(-1);
  return {
    items,
    has_more,
    limit,
    next_cursor: has_more && last !== undefined ? codec.encode(keyOf(last)) : null,
  };
}

export interface Edge<T> {
  cursor: string;
  node: T;
}
export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}
export interface Connection<T> {
  edges: Edge<T>[];
  nodes: T[];
  pageInfo: PageInfo;
  /** Lazy: graphql-js calls a function-valued property only when the field is selected. */
  totalCount: () => Promise<number>;
}

/**
 * Maps an envelope page onto a Relay connection. A backward page was scanned in reverse, so its
 * items are flipped back into the list's natural order and `has_more` means earlier items exist.
 */
export function toConnection<T, K>(
  page: Page<T>,
  req: PageRequest<K>,
  keyOf: (row: T) => K,
  codec: CursorCodec<K>,
  count: () => Promise<number>,
): Connection<T> {
  const items = req.direction === 'backward' ? [...page.items].reverse() : page.items;
  const edges = items.map((node) => ({ node, cursor: codec.encode(keyOf(node)) }));
  let counted: Promise<number> | undefined;
  return {
    edges,
    nodes: items,
    pageInfo: {
      hasNextPage: req.direction === 'forward' ? page.has_more : req.cursor !== null,
      hasPreviousPage: req.direction === 'backward' ? page.has_more : req.cursor !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: () => (counted ??= count()),
  };
}

/**
 * One page of a keyset list as a Relay connection: the arguments checked and decoded, `fetch` reads
 * `limit + 1` rows in scan order from the repository, `count` (lazy) the whole list's size.
 */
export async function paginate<T, K>(
  args: ConnectionArgs,
  codec: CursorCodec<K>,
  keyOf: (row: T) => K,
  fetch: (req: PageRequest<K>) => Promise<T[]>,
  count: () => Promise<number>,
): Promise<Connection<T>> {
  const req = pageRequest(args, codec);
  const page = pageFromRows(await fetch(req), req.limit, keyOf, codec);
  return toConnection(page, req, keyOf, codec, count);
}
