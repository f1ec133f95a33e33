// Mutation resolvers: validate input, call the flow in sessions.ts, return its payload.
import type { Context } from '@eventzr/lib/context';
import { requireUser } from '@eventzr/lib/context';
import type { AuthLoaders } from '../loaders.ts';
import * as sessions from '../sessions.ts';
import { loginInput, parseInput, refreshTokenInput, registerInput, requestPasswordResetInput } from './inputs.ts';

type Ctx = Context<AuthLoaders>;
type Args = { input: unknown };

export function authMutations(deps: sessions.AuthDeps) {
  return {
    login: (_: unknown, { input }: Args, ctx: Ctx) => sessions.login(deps, parseInput(loginInput, input), ctx.log),

    refreshToken: (_: unknown, { input }: Args, ctx: Ctx) =>
      sessions.refresh(deps, parseInput(refreshTokenInput, input).refreshToken, ctx.log),

    register: async (_: unknown, { input }: Args, ctx: Ctx) => {
      const account = await sessions.register(deps, parseInput(registerInput, input));
      ctx.log.info({ event: 'register', userId: account.user.id, tenantId: account.tenant.id }, 'tenant registered');
      // The tenant travels with the user: the anonymous caller has no tenant scope to load it in.
      return { user: { ...account.user, tenant: account.tenant } };
    },

    requestPasswordReset: async (_: unknown, { input }: Args, ctx: Ctx) => {
      await sessions.requestPasswordReset(deps, parseInput(requestPasswordResetInput, input), ctx.log);
      return { accepted: true };
    },

    logout: async (_: unknown, { input }: Args, ctx: Ctx) => {
      const user = requireUser(ctx);
      const revoked = await sessions.logout(deps, user, parseInput(refreshTokenInput, input).refreshToken);
      return { revoked };
    },
  };
}
