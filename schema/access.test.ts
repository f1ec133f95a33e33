// What the schema check calls tightening for internal callers: a scoped internal rule or directive
// refuses everyone the any-internal-caller one did, never the other way round.
import { describe, expect, it } from 'vitest';
import { requirementImplies, ruleImplies } from './access.ts';

describe('internal scopes in the access comparison', () => {
  it('hasInternalScope(...) is stricter than isInternal and isUserOrInternal; a superset of scopes is stricter', () => {
    expect(ruleImplies('hasInternalScope(internal:jobs.worker)', 'isInternal')).toBe(true);
    expect(ruleImplies('hasInternalScope(internal:jobs.worker)', 'isUserOrInternal')).toBe(true);
    expect(ruleImplies('isInternal', 'hasInternalScope(internal:jobs.worker)')).toBe(false);
    expect(ruleImplies('hasInternalScope(internal:a.b,internal:c.d)', 'hasInternalScope(internal:a.b)')).toBe(true);
    expect(ruleImplies('hasInternalScope(internal:a.b)', 'hasInternalScope(internal:c.d)')).toBe(false);
    expect(ruleImplies('hasInternalScope(internal:a.b)', 'hasPermission(jobs:read)')).toBe(false);
  });

  it('an internal:* scope is stricter than the former shared `internal` scope, not the reverse', () => {
    const scoped = { authenticated: false, scopes: [[['internal:jobs.worker']]] };
    const shared = { authenticated: false, scopes: [[['internal']]] };
    expect(requirementImplies(scoped, shared)).toBe(true);
    expect(requirementImplies(shared, scoped)).toBe(false);
    expect(requirementImplies({ authenticated: false, scopes: [[['jobs:read']]] }, shared)).toBe(false);
  });
});
