// Sandbox's example operations are real: they validate against the API schema the router serves.
import { readFileSync } from 'node:fs';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { registeredOperation } from '@eventzr/lib/operations';
import { SANDBOX_DOCUMENT, SANDBOX_OPERATIONS, sandboxOptions } from './sandbox.ts';

describe('the Sandbox pre-fill', () => {
  it('holds operations that validate against schema/api.graphql', () => {
    const api = buildSchema(readFileSync(new URL('../../schema/api.graphql', import.meta.url), 'utf8'));
    const doc = parse(SANDBOX_DOCUMENT);
    expect(validate(api, doc).map((e) => e.message)).toEqual([]);
    expect(doc.definitions.length).toBeGreaterThan(1);
  });

  it('is built from the operation registry, not a copy', () => {
    for (const name of SANDBOX_OPERATIONS) expect(SANDBOX_DOCUMENT).toContain(registeredOperation(name, 'eventzr-web'));
  });

  it('pre-fills the login only when given one (development)', () => {
    expect(sandboxOptions().variables).toEqual({ first: 10 });
    expect(sandboxOptions({ email: 'a@b.c', password: 'p' }).variables).toMatchObject({ email: 'a@b.c' });
  });
});
