import { describe, expect, it } from 'vitest';
import { effectivePermissions, hasRoleAtLeast, normalizeRoles, ROLE_PERMISSIONS } from './permissions.ts';

describe('role → permission table', () => {
  it('gives each role the permissions of the roles below it', () => {
    for (const p of ROLE_PERMISSIONS.viewer) expect(ROLE_PERMISSIONS.admin.has(p)).toBe(true);
    expect(ROLE_PERMISSIONS.viewer.has('jobs:admin')).toBe(false);
    expect(ROLE_PERMISSIONS.admin.has('jobs:admin')).toBe(true);
  });
  it('maps the jobs seed aliases member and manager', () => {
    expect(normalizeRoles(['member', 'manager', 'bogus'])).toEqual(['user', 'organizer']);
  });
  it('unions role grants with the token permissions claim, ignoring malformed entries', () => {
    const perms = effectivePermissions(['viewer'], ['reports:export', 'not a permission', 'x']);
    expect(perms).toContain('reports:export');
    expect(perms).toContain('jobs:read');
    expect(perms).not.toContain('not a permission');
    expect(perms).not.toContain('jobs:admin');
  });
  it('orders roles', () => {
    expect(hasRoleAtLeast(['organizer'], 'user')).toBe(true);
    expect(hasRoleAtLeast(['user'], 'admin')).toBe(false);
    expect(hasRoleAtLeast([], 'viewer')).toBe(false);
  });
});
