import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  cursorCodec,
  pageFromRows,
  pageRequest,
  toConnection,
  type Connection,
  type PageRequest,
} from './connection.ts';

const key = z.tuple([z.string(), z.number().int()]);
const codec = cursorCodec('items', 'tenant-a', (k) => key.parse(k));
type Row = { id: number; at: string };
const rows: Row[] = Array.from({ length: 50 }, (_, i) => ({ id: i + 1, at: `t${i + 1}` }));
const keyOf = (r: Row) => [r.at, r.id] as [string, number];

/** A keyset "repository" over `rows` in ascending id order, as SQL would scan it. */
function read(req: PageRequest<[string, number]>) {
  const pos = req.cursor?.[1];
  const scanned =
    req.direction === 'forward'
      ? rows.filter((r) => pos === undefined || r.id > pos)
      : [...rows].reverse().filter((r) => pos === undefined || r.id < pos);
  return pageFromRows(scanned.slice(0, req.limit + 1), req.limit, keyOf, codec);
}

describe('cursor envelope ↔ Relay connection', () => {
  it('maps the envelope page forward: endCursor = next_cursor, hasNextPage = has_more', () => {
    const req = pageRequest({ first: 20 }, codec);
    const page = read(req);
    expect(page).toMatchObject({ has_more: true, limit: 20 });
    expect(page.items).toHaveLength(20);
    const conn = toConnection(page, req, keyOf, codec, async () => rows.length);
    expect(conn.pageInfo.endCursor).toBe(page.next_cursor);
    expect(conn.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(conn.edges[0]?.node.id).toBe(1);
  });

  it('walks every row exactly once forward and backward', () => {
    const seen: number[] = [];
    let after: string | null = null;
    for (;;) {
      const req: PageRequest<[string, number]> = pageRequest({ first: 7, after }, codec);
      const conn: Connection<Row> = toConnection(read(req), req, keyOf, codec, async () => 0);
      seen.push(...conn.nodes.map((n) => n.id));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toEqual(rows.map((r) => r.id));

    const back: number[] = [];
    let before: string | null = null;
    for (;;) {
      const req: PageRequest<[string, number]> = pageRequest({ last: 7, before }, codec);
      const conn: Connection<Row> = toConnection(read(req), req, keyOf, codec, async () => 0);
      // A backward page is in the list's natural order.
      expect(conn.nodes.map((n) => n.id)).toEqual([...conn.nodes.map((n) => n.id)].sort((a, b) => a - b));
      back.unshift(...conn.nodes.map((n) => n.id));
      if (!conn.pageInfo.hasPreviousPage) break;
      before = conn.pageInfo.startCursor;
    }
    expect(back).toEqual(rows.map((r) => r.id));
  });

  it('defaults to 20 and refuses more than 100', () => {
    expect(pageRequest({}, codec).limit).toBe(20);
    expect(pageRequest({ first: 100 }, codec).limit).toBe(100);
    expect(() => pageRequest({ first: 101 }, codec)).toThrowError(/at most 100/);
    expect(() => pageRequest({ last: 101 }, codec)).toThrowError(/at most 100/);
    expect(() => pageRequest({ first: -1 }, codec)).toThrowError(/non-negative/);
  });

  it('refuses first with last, after with before, and mixed directions', () => {
    for (const args of [
      { first: 1, last: 1 },
      { after: 'x', before: 'y' },
      { first: 1, before: codec.encode(['a', 1]) },
    ]) {
      try {
        pageRequest(args, codec);
        expect.unreachable();
      } catch (e) {
        expect((e as { extensions: { code: string } }).extensions.code).toBe('BAD_USER_INPUT');
      }
    }
  });

  it('refuses malformed, foreign-list and foreign-tenant cursors with BAD_USER_INPUT', () => {
    const otherList = cursorCodec('other', 'tenant-a', (k) => key.parse(k)).encode(['a', 1]);
    const otherTenant = cursorCodec('items', 'tenant-b', (k) => key.parse(k)).encode(['a', 1]);
    const wrongShape = Buffer.from(JSON.stringify({ l: 'items', s: 'x', k: { drop: 'table' } })).toString('base64url');
    for (const after of ['%%%', 'not-base64-json', '', otherList, otherTenant, wrongShape, 'a'.repeat(600)]) {
      try {
        pageRequest({ first: 5, after }, codec);
        expect.unreachable(`accepted ${after}`);
      } catch (e) {
        expect((e as { extensions: { code: string } }).extensions.code).toBe('BAD_USER_INPUT');
      }
    }
  });

  it('computes totalCount only when asked, once', async () => {
    let counts = 0;
    const req = pageRequest({ first: 5 }, codec);
    const conn = toConnection(read(req), req, keyOf, codec, async () => ++counts);
    expect(counts).toBe(0);
    expect(await conn.totalCount()).toBe(1);
    expect(await conn.totalCount()).toBe(1);
    expect(counts).toBe(1);
  });

  it('returns an empty last page without cursors', () => {
    const req = pageRequest({ first: 5, after: codec.encode(['t50', 50]) }, codec);
    const conn = toConnection(read(req), req, keyOf, codec, async () => 0);
    expect(conn.edges).toEqual([]);
    expect(conn.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null });
  });
});
