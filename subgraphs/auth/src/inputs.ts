// Input rules, checked at the edge: a violation is BAD_USER_INPUT naming the field.
import { z } from 'zod';
import { badUserInput } from '@eventzr/lib/errors';

/** Parses `input` or throws BAD_USER_INPUT with the first failing field and every issue. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ field: i.path.join('.') || 'input', message: i.message }));
  const first = issues[0] ?? { field: 'input', message: 'Invalid input' };
  throw badUserInput(`Invalid \`${first.field}\`: ${first.message}`, { field: first.field, issues });
}

/**
 * Every string input passes this: NUL makes set_config and Postgres text fail (a 500 instead of
 * an answer), other control characters have no place in an email, name, password or token, and
 * an unpaired surrogate would be stored as U+FFFD, so two different inputs would become one.
 * (With the `u` flag \p{Cs} matches only unpaired surrogates: a pair is one code point.)
 */
const wellFormed = (s: string) => !/[\p{Cc}\p{Cs}]/u.test(s);
const WELL_FORMED = 'must not contain control characters or unpaired surrogates';
const text = () => z.string().refine(wellFormed, WELL_FORMED);

// UUIDs are case-insensitive but stored (and compared in code) lower case.
const tenantId = z
  .uuid({ message: 'must be a tenant id' })
  .nullish()
  .transform((v) => v?.toLowerCase());

// Seed 004's rules: a valid email of at most 255 characters; a password of 8-100 characters
// with a lowercase letter, an uppercase letter and a digit.
const email = z
  .string()
  .trim()
  .max(255, 'must be at most 255 characters')
  .refine(wellFormed, WELL_FORMED)
  .pipe(z.email('must be a valid email address'));
const newPassword = text()
  .min(8, 'must be at least 8 characters')
  .max(100, 'must be at most 100 characters')
  .regex(/[a-z]/, 'must contain a lowercase letter')
  .regex(/[A-Z]/, 'must contain an uppercase letter')
  .regex(/\d/, 'must contain a digit');
const displayName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .refine(wellFormed, WELL_FORMED);

export const registerInput = z.object({
  email,
  password: newPassword,
  name: displayName,
  tenantName: displayName.nullish().transform((v) => v ?? undefined),
});

/**
 * Login checks shape only, never the registration rules: a rule change must not lock out old
 * accounts, and the bounds just keep absurd input from reaching argon2. Well-formedness is the
 * exception: registration requires it of every password, so no account can need it relaxed.
 */
export const loginInput = z.object({
  email: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(320, 'must be at most 320 characters')
    .refine(wellFormed, WELL_FORMED),
  password: text().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters'),
  tenantId,
});

export const requestPasswordResetInput = z.object({ email, tenantId });

export const refreshTokenInput = z.object({
  refreshToken: text().max(1024, 'must be at most 1024 characters'),
});
