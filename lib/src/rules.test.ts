// lib's rules outside graphql-shield (entity references): what `check` answers for each kind of
// rule, that a contextual rule runs once per request, and what each rule guarantees.
import type { GraphQLResolveInfo } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ANONYMOUS, type Caller, type UserCaller } from './claims.ts';
import { effectivePermissions } from './permissions.ts';
import {
  allow,
  and,
  check,
  deny,
  describeRule,
  hasInternalScope,
  hasPermission,
  hasRole,
  isAuthenticated,
  isInternal,
  isInternalScope,
  not,
  or,
  policy,
  selfOrAdmin,
} from './rules.ts';

const info = {} as GraphQLResolveInfo;
const user = (roles: string[], extra: string[] = []): UserCaller => ({
  kind: 'user',
  userId: 'u1',
  tenantId: '00000000-0000-4000-8000-00000000000a',
  email: '',
  name: '',
  roles: roles as UserCaller['roles'],
  permissions: effectivePermissions(roles, extra),
  planTier: 'free',
  issuer: 'test',
});
const INTERNAL: Caller = {
  kind: 'internal',
  service: 'worker',
  credentialId: 'worker',
  scopes: ['internal:jobs.worker'],
};
const verdict = async (rule: Parameters<typeof check>[0], caller: Caller, parent: unknown = {}) => {
  const v = await check(rule, parent, {}, { caller }, info);
  return v === true ? true : { code: (v as { extensions?: { code?: string } }).extensions?.code, message: v.message };
};

describe('hasInternalScope', () => {
  const SCHEDULER: Caller = { ...INTERNAL, credentialId: 'scheduler', scopes: ['internal:cpaas.outbox'] } as Caller;

  it('allows an internal credential holding every scope; refuses one without, users and anonymous callers', async () => {
    const worker = hasInternalScope('internal:jobs.worker');
    expect(await verdict(worker, INTERNAL)).toBe(true);
    expect(await verdict(worker, SCHEDULER)).toEqual({
      code: 'FORBIDDEN',
      message: 'Missing required scope: internal:jobs.worker',
    });
    expect(await verdict(hasInternalScope('internal:jobs.worker', 'internal:cpaas.outbox'), INTERNAL)).toMatchObject({
      code: 'FORBIDDEN',
    });
    // A user whose token claims the scope as a permission is still not an internal credential.
    expect(await verdict(worker, user(['admin'], ['internal:jobs.worker']))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await verdict(worker, ANONYMOUS)).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('guarantees an internal caller holding the scopes; one instance per name; refuses non-internal scopes', () => {
    const rule = hasInternalScope('internal:jobs.worker');
    expect([...rule.guarantee.callers]).toEqual(['internal']);
    expect([...(rule.guarantee.scopes ?? [])]).toEqual(['internal:jobs.worker']);
    expect(hasInternalScope('internal:jobs.worker')).toBe(rule);
    expect(() => hasInternalScope('jobs:read')).toThrow(/internal scopes start with internal:/);
    expect(() => hasInternalScope()).toThrow();
    expect(isInternalScope('internal:jobs.worker')).toBe(true);
    expect(isInternalScope('internal')).toBe(false);
    expect(isInternalScope('internal:')).toBe(false);
    // and() adds scopes; or() keeps what every internal branch holds.
    const both = and(rule, hasInternalScope('internal:cpaas.outbox'));
    expect([...(both.guarantee.scopes ?? [])].sort()).toEqual(['internal:cpaas.outbox', 'internal:jobs.worker']);
    expect([...(or(rule, isInternal).guarantee.scopes ?? [])]).toEqual([]);
  });
});

describe('check', () => {
  it('answers each rule as graphql-shield would, with the error a refusal carries', async () => {
    expect(await verdict(allow, ANONYMOUS)).toBe(true);
    expect(await verdict(deny, user(['admin']))).toEqual({ code: 'FORBIDDEN', message: 'Not allowed' });
    expect(await verdict(isAuthenticated, ANONYMOUS)).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await verdict(isAuthenticated, INTERNAL)).toEqual({
      code: 'FORBIDDEN',
      message: 'A user token is required',
    });
    expect(await verdict(isInternal, INTERNAL)).toBe(true);
    expect(await verdict(hasPermission('jobs:admin'), user(['viewer']))).toEqual({
      code: 'FORBIDDEN',
      message: 'Missing required permission: jobs:admin',
    });
    expect(await verdict(hasPermission('jobs:admin'), user(['admin']))).toBe(true);
    expect(await verdict(hasRole('organizer'), user(['user']))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await verdict(selfOrAdmin('x', 'users:admin'), user(['viewer']), { id: 'u1' })).toBe(true);
    expect(await verdict(selfOrAdmin('x', 'users:admin'), user(['viewer']), { id: 'u2' })).toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('and stops at the first refusal, or at the first pass, not inverts', async () => {
    expect(await verdict(and(isAuthenticated, hasPermission('jobs:admin')), user(['viewer']))).toMatchObject({
      message: 'Missing required permission: jobs:admin',
    });
    expect(await verdict(or(isInternal, hasPermission('jobs:read')), user(['viewer']))).toBe(true);
    expect(await verdict(or(isInternal, hasPermission('jobs:admin')), user(['viewer']))).toMatchObject({
      message: 'Internal callers only',
    });
    expect(await verdict(not(isInternal), user(['viewer']))).toBe(true);
    expect(await verdict(not(isInternal), INTERNAL)).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('turns false into FORBIDDEN and a thrown error into the refusal', async () => {
    expect(
      await verdict(
        policy('no', () => false),
        user(['admin']),
      ),
    ).toEqual({ code: 'FORBIDDEN', message: 'Not allowed' });
    const boom = policy('boom', () => {
      throw new Error('lookup failed');
    });
    expect(await verdict(boom, user(['admin']))).toEqual({ code: undefined, message: 'lookup failed' });
  });

  it('runs a contextual rule once per request context, a strict one per call', async () => {
    let contextual = 0;
    let strict = 0;
    const c = policy('countC', () => ++contextual > 0, { cache: 'contextual' });
    const s = policy('countS', () => ++strict > 0, { cache: 'strict' });
    const ctx = { caller: user(['viewer']) };
    for (let i = 0; i < 3; i++) {
      await check(c, {}, {}, ctx, info);
      await check(s, {}, {}, ctx, info);
    }
    await check(c, {}, {}, { caller: user(['viewer']) }, info);
    expect({ contextual, strict }).toEqual({ contextual: 2, strict: 3 });
  });
});

describe('guarantees', () => {
  it('combine: and adds up, or keeps what every branch admitting users shares, not knows nothing', () => {
    const g = and(isAuthenticated, hasPermission('a:b')).guarantee;
    expect([...g.callers]).toEqual(['user']);
    expect([...g.permissions]).toEqual(['a:b']);
    const either = or(hasPermission('a:b', 'c:d'), hasPermission('a:b'), isInternal).guarantee;
    expect([...either.callers].sort()).toEqual(['internal', 'user']);
    expect([...either.permissions]).toEqual(['a:b']);
    expect([...not(isInternal).guarantee.callers].sort()).toEqual(['anonymous', 'internal', 'user']);
    expect(deny.guarantee.callers.size).toBe(0);
    expect([...hasRole('admin').guarantee.permissions]).toContain('jobs:admin');
  });

  it('are described by name and structure, not by graphql-shield classes', () => {
    expect(describeRule(and(hasPermission('a:b'), or(isInternal, not(allow))))).toEqual({
      and: ['hasPermission(a:b)', { or: ['isInternal', { not: 'allow' }] }],
    });
    // One instance per parametrised name: graphql-shield caches by name.
    expect(hasPermission('a:b')).toBe(hasPermission('a:b'));
  });
});
