// lib/errors: the retryable SERVICE_UNAVAILABLE a database outage becomes, what counts as an
// outage (and what does not), and what maskError lets through in production.
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ErrorCode, isConnectionError, maskError, serviceUnavailable } from './errors.ts';

/** A resolver error as graphql-js hands it to formatError: located, the thrown error inside. */
const located = (thrown: Error) =>
  new GraphQLError(thrown.message, {
    path: ['jobs'],
    originalError: thrown,
    extensions: thrown instanceof GraphQLError ? thrown.extensions : {},
  });
const mask = (thrown: Error, production = true) => {
  const err = located(thrown);
  return maskError(err.toJSON(), err, { production });
};
const pgError = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

describe('isConnectionError', () => {
  it.each([
    ['refused', pgError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['reset', pgError('read ECONNRESET', 'ECONNRESET')],
    ['terminated by the administrator', pgError('terminating connection due to administrator command', '57P01')],
    ['starting up', pgError('the database system is starting up', '57P03')],
    ['class 08', pgError('connection failure', '08006')],
    ['lost mid-statement', pgError('Connection terminated unexpectedly')],
    ['pool timeout', pgError('timeout exceeded when trying to connect')],
    ['wrapped by drizzle', Object.assign(new Error('Failed query: select 1'), { cause: pgError('x', '57P01') })],
  ])('an outage: %s', (_, err) => expect(isConnectionError(err)).toBe(true));

  it.each([
    ['a unique violation', pgError('duplicate key value', '23505')],
    ['a syntax error', pgError('syntax error at or near "x"', '42601')],
    ['a serialization failure', pgError('could not serialize access', '40001')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['nothing', undefined],
  ])('not an outage: %s', (_, err) => expect(isConnectionError(err)).toBe(false));
});

describe('maskError in production', () => {
  it('passes SERVICE_UNAVAILABLE with its message and retryable: true', () => {
    expect(mask(serviceUnavailable())).toEqual({
      message: 'The service is briefly unavailable; retry the request',
      path: ['jobs'],
      extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, retryable: true },
    });
  });

  it('answers a raw connection error that reached it with SERVICE_UNAVAILABLE, not INTERNAL_SERVER_ERROR', () => {
    const masked = mask(pgError('Connection terminated unexpectedly'));
    expect(masked.extensions).toEqual({ code: ErrorCode.SERVICE_UNAVAILABLE, retryable: true });
    expect(masked.message).not.toMatch(/Connection terminated/);
  });

  it('still masks any other driver error as INTERNAL_SERVER_ERROR, with no retry promise', () => {
    expect(mask(pgError('duplicate key value violates unique constraint "users_email"', '23505'))).toEqual({
      message: 'Internal server error',
      path: ['jobs'],
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    });
  });

  it('gives the answer HTTP 503', () => {
    expect(serviceUnavailable().extensions).toMatchObject({ http: { status: 503 }, retryable: true });
  });
});
