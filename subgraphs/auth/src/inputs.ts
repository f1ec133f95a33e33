// Input rules of the auth subgraph (lib/inputs: one parser, one text policy), checked at the
// edge: a violation is BAD_USER_INPUT naming the field.
import { z } from 'zod';
import { text, uuid } from '@eventzr/lib/inputs';

export { parseInput } from '@eventzr/lib/inputs';

const tenantId = uuid('tenant id')
  .nullish()
  .transform((v) => v ?? undefined);

// Seed 004's rules: a valid email of at most 255 characters; a password of 8-100 characters
// with a lowercase letter, an uppercase letter and a digit; a name of 1-200 characters.
const email = text({ trim: true, max: 255 }).pipe(z.email('must be a valid email address'));
const newPassword = text({ min: 8, max: 100 })
  .regex(/[a-z]/, 'must contain a lowercase letter')
  .regex(/[A-Z]/, 'must contain an uppercase letter')
  .regex(/\d/, 'must contain a digit');
const displayName = text({ trim: true, min: 1, max: 200 });

export const registerInput = z.object({
  email,
  password: newPassword,
  name: displayName,
  tenantName: displayName.nullish().transform((v) => v ?? undefined),
});

/**
 * Login checks shape only, never the registration rules: a rule change must not lock out old
 * accounts, and the bounds just keep absurd input from reaching argon2. The text policy is the
 * exception: registration requires it of every password, so no account can need it relaxed.
 */
export const loginInput = z.object({
  email: text({ trim: true, min: 1, max: 320 }),
  password: text({ min: 1, max: 1024 }),
  tenantId,
});

export const requestPasswordResetInput = z.object({ email, tenantId });

export const refreshTokenInput = z.object({ refreshToken: text({ max: 1024 }) });

/** What the router passes from a verified external token: shape and size only, the issuer vouched for the rest. */
export const provisionExternalIdentityInput = z.object({
  issuer: text({ min: 1, max: 500 }),
  subject: text({ min: 1, max: 200 }),
  tenantId: uuid('tenant id'),
  email: text({ trim: true, max: 320 }),
  name: text({ trim: true, max: 200 }),
  roles: z.array(text({ max: 64 })).max(32),
});
