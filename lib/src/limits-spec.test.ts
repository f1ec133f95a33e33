// The limits spec's declarations as the router and the schema check read them: each argument
// rule with an accepted and a refused case.
import { parse, type ConstDirectiveNode, type ObjectTypeDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  LIMITS_SPEC_DEFINITIONS,
  argumentPathProblem,
  lockoutOf,
  normaliseArgumentValue,
  rateLimitOf,
} from './limits-spec.ts';

/** The directive applied in `type Query { f: Int <applied> }`. */
const directive = (applied: string): ConstDirectiveNode =>
  (parse(`type Query { f: Int ${applied} }`).definitions[0] as ObjectTypeDefinitionNode).fields![0]!.directives![0]!;

describe('@rateLimit', () => {
  it('reads requests, window and scope, USER by default', () => {
    expect(rateLimitOf(directive('@rateLimit(requests: 10, window: 3600)'))).toEqual({
      requests: 10,
      window: 3600,
      per: 'USER',
    });
    expect(
      rateLimitOf(directive('@rateLimit(requests: 5, window: 60, per: ARGUMENT, argument: "input.email")')),
    ).toEqual({ requests: 5, window: 60, per: 'ARGUMENT', argument: ['input', 'email'] });
  });

  it.each([
    ['@rateLimit(requests: 0, window: 60)', /requests must be an integer of at least 1/],
    ['@rateLimit(requests: 10, window: 0)', /window must be at least 1 second/],
    ['@rateLimit(requests: 10, window: 1.5)', /window must be at least 1 second/],
    ['@rateLimit(requests: 10, window: 60, per: EVERYONE)', /per must be one of USER, TENANT, IP, ARGUMENT/],
    ['@rateLimit(requests: 10, window: 60, per: ARGUMENT)', /per: ARGUMENT needs argument/],
    ['@rateLimit(requests: 10, window: 60, per: ARGUMENT, argument: "input..email")', /argument path/],
    ['@rateLimit(requests: 10, window: 60, per: IP, argument: "input.email")', /only read with per: ARGUMENT/],
  ])('refuses %s', (applied, message) => {
    expect(rateLimitOf(directive(applied))).toMatch(message);
  });
});

describe('@lockout', () => {
  it('reads the account path and fills in the defaults', () => {
    expect(lockoutOf(directive('@lockout(argument: "input.email", failures: 3)'))).toEqual({
      argument: ['input', 'email'],
      failures: 3,
      lock: 60,
      maxLock: 3600,
      addressFailures: 100,
      addressWindow: 86_400,
    });
  });

  it.each([
    ['@lockout(failures: 3)', /argument must be an argument path/],
    ['@lockout(argument: "input.email", lock: 0)', /lock must be an integer of at least 1/],
    ['@lockout(argument: "input.email", lock: 120, maxLock: 60)', /maxLock \(60\) must be at least lock \(120\)/],
  ])('refuses %s', (applied, message) => {
    expect(lockoutOf(directive(applied))).toMatch(message);
  });
});

describe('argument paths', () => {
  const args = [{ name: 'input', type: 'LoginInput' }];
  const inputs = (t: string) => (t === 'LoginInput' ? [{ name: 'email', type: 'String' }] : undefined);

  it('accept a path through input objects to a value', () => {
    expect(argumentPathProblem(['input', 'email'], args, inputs)).toBeUndefined();
  });

  it('refuse an unknown argument or input field, a path ending at an input object, one going past a value', () => {
    expect(argumentPathProblem(['email'], args, inputs)).toMatch(/the field has no argument "email"/);
    expect(argumentPathProblem(['input', 'mail'], args, inputs)).toMatch(/LoginInput has no input field "mail"/);
    expect(argumentPathProblem(['input'], args, inputs)).toMatch(/"input" is an input object/);
    expect(argumentPathProblem(['input', 'email', 'x'], args, inputs)).toMatch(/goes on past a value/);
  });
});

it('normalises values before they are hashed, and defines the spec once', () => {
  expect(normaliseArgumentValue('  Victim@Example.COM ')).toBe('victim@example.com');
  expect(normaliseArgumentValue(undefined)).toBe('null');
  expect(normaliseArgumentValue(42)).toBe('42');
  expect([...LIMITS_SPEC_DEFINITIONS.keys()]).toEqual(['rateLimit', 'lockout', 'limits__Scope']);
});
