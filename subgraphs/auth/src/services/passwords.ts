// Password hashing: argon2id, with its cost parameters in this one place.
import { randomBytes } from 'node:crypto';
import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2';

/**
 * OWASP's argon2id minimum (m=19 MiB, t=2, p=1): ~20-40 ms a hash on a server core, which keeps
 * the test suites fast and an offline guess expensive. Raise memoryCost/timeCost here; hashes
 * keep their own parameters, so old ones still verify.
 */
export const ARGON2_OPTIONS: Options = {
  // `Algorithm` is an ambient const enum (isolatedModules cannot read it): 2 is Argon2id.
  algorithm: 2 as Algorithm,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
};

/**
 * argon2 computations run for requests since the process started: what tests count to prove that
 * a flow costs the same whatever the database holds (an unknown email, a taken one, an email
 * registered in fifty tenants). The one-off dummy hash below is not a request's work.
 */
export const passwordWork = { hashes: 0, verifications: 0 };

export function hashPassword(password: string): Promise<string> {
  passwordWork.hashes++;
  return hash(password, ARGON2_OPTIONS);
}

export function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  passwordWork.verifications++;
  return verify(passwordHash, password);
}

let dummy: Promise<string> | undefined;

/**
 * Spends the time a real verification would, for a login whose email matches no account: an
 * unknown email and a wrong password then take the same time and give the same answer.
 */
export async function verifyAgainstDummy(password: string): Promise<void> {
  dummy ??= hash(randomBytes(32).toString('base64url'), ARGON2_OPTIONS);
  const dummyHash = await dummy;
  passwordWork.verifications++;
  await verify(dummyHash, password);
}
