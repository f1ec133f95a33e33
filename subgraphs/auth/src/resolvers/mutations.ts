// Mutation resolvers: validate input, call the flow in sessions.ts, return its payload.
import { requireUser } from '@eventzr/lib/context';
import type { MutationResolvers } from '../generated/resolvers-types.ts';
import { provisionExternalIdentity } from '../services/identities.ts';
import * as sessions from '../services/sessions.ts';
import {
  loginInput,
  parseInput,
  provisionExternalIdentityInput,
  refreshTokenInput,
  registerInput,
  requestPasswordResetInput,
} from '../inputs.ts';

export function authMutations(deps: sessions.AuthDeps): MutationResolvers {
  return {
    login: (_, { input }, ctx) => sessions.login(deps, parseInput(loginInput, input), ctx.log),

    refreshToken: (_, { input }, ctx) =>
      sessions.refresh(deps, parseInput(refreshTokenInput, input).refreshToken, ctx.log),

    register: async (_, { input }, ctx) => {
      // A taken email answers like a success; the service logs which it was (not said here, where
      // both answers must look alike).
      const account = await sessions.register(deps, parseInput(registerInput, input), ctx.log);
      // The tenant travels with the user: the anonymous caller has no tenant scope to load it in.
      return { user: { ...account.user, tenant: account.tenant } };
    },

    requestPasswordReset: async (_, { input }) => {
      await sessions.requestPasswordReset(deps, parseInput(requestPasswordResetInput, input));
      return { accepted: true };
    },

    logout: async (_, { input }, ctx) => {
      const user = requireUser(ctx);
      const revoked = await sessions.logout(deps, user, parseInput(refreshTokenInput, input).refreshToken);
      return { revoked };
    },

    provisionExternalIdentity: (_, { input }, ctx) =>
      provisionExternalIdentity(deps, parseInput(provisionExternalIdentityInput, input), ctx.log),
  };
}
