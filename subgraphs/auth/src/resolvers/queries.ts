// Query resolvers: the calling user, through the request's loader.
import { requireUser } from '@eventzr/lib/context';
import { unauthenticated } from '@eventzr/lib/errors';
import type { QueryResolvers } from '../generated/resolvers-types.ts';

export const Query: QueryResolvers = {
  me: async (_, _args, ctx) => {
    const caller = requireUser(ctx);
    const user = await ctx.loaders.user.load(caller.userId);
    // A valid token for an account deleted since it was issued.
    if (!user) throw unauthenticated('The account no longer exists');
    return user;
  },
};
