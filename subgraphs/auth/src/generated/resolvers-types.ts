import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { UserWithTenant } from '../repositories/users.ts';
import type { TenantRow, PlanTier as PlanTierValue } from '../db/schema.ts';
import type { Session } from '../services/sessions.ts';
import type { Role as RoleValue } from '@eventzr/lib/permissions';
import type { AuthContext } from '../context.ts';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An instant in time, as an ISO-8601 string in UTC (e.g. `2026-01-31T12:00:00.000Z`). */
  DateTime: { input: Date; output: Date | string; }
  _FieldSet: { input: unknown; output: unknown; }
};

/** Credentials for `login`. */
export type LoginInput = {
  /** Email address (compared case-insensitively). */
  email: Scalars['String']['input'];
  /** Password. */
  password: Scalars['String']['input'];
  /** The tenant to sign in to; needed only when the account belongs to several tenants. */
  tenantId?: InputMaybe<Scalars['ID']['input']>;
};

/** Tokens issued by `login`. */
export type LoginPayload = {
  __typename?: 'LoginPayload';
  /** RS256 JWT to send as `Authorization: Bearer <accessToken>`. */
  accessToken: Scalars['String']['output'];
  /** Seconds until the access token expires. */
  expiresIn: Scalars['Int']['output'];
  /** Opaque token for `refreshToken`; single use. */
  refreshToken: Scalars['String']['output'];
  /** Always `Bearer`. */
  tokenType: Scalars['String']['output'];
};

/** Input of `logout`. */
export type LogoutInput = {
  /** A refresh token of the calling user. */
  refreshToken: Scalars['String']['input'];
};

/** Result of `logout`. */
export type LogoutPayload = {
  __typename?: 'LogoutPayload';
  /** True when the token was the caller's and its family is now revoked. */
  revoked: Scalars['Boolean']['output'];
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Exchanges an email and password for an access token and a refresh token. */
  login: LoginPayload;
  /** Ends one of the caller's sessions: revokes the refresh token given and every token of its family. */
  logout: LogoutPayload;
  /**
   * Router only (not in the public API): the user id, in the token's tenant, of an external issuer's
   * user (issuer, subject), made on first use.
   */
  provisionExternalIdentity: ProvisionExternalIdentityPayload;
  /**
   * Exchanges a refresh token for a new access token and a new refresh token (rotation: the
   * presented token is spent; presenting it again revokes every token descended from the same login).
   */
  refreshToken: RefreshTokenPayload;
  /**
   * Creates a new tenant (plan FREE) with the new user as its administrator. An email already
   * registered is answered the same way, and nothing is created or changed.
   */
  register: RegisterPayload;
  /** Starts a password reset. The answer is the same whether or not the account exists. */
  requestPasswordReset: RequestPasswordResetPayload;
};


export type MutationLoginArgs = {
  input: LoginInput;
};


export type MutationLogoutArgs = {
  input: LogoutInput;
};


export type MutationProvisionExternalIdentityArgs = {
  input: ProvisionExternalIdentityInput;
};


export type MutationRefreshTokenArgs = {
  input: RefreshTokenInput;
};


export type MutationRegisterArgs = {
  input: RegisterInput;
};


export type MutationRequestPasswordResetArgs = {
  input: RequestPasswordResetInput;
};

/** Subscription plans. */
export type PlanTier =
  /** Enterprise plan. */
  | 'enterprise'
  /** Free plan (self-registered tenants). */
  | 'free'
  /** Professional plan. */
  | 'professional'
  /** Starter plan. */
  | 'starter';

/** Input of `provisionExternalIdentity` (router only). */
export type ProvisionExternalIdentityInput = {
  /** The token's `email` claim (may be empty). */
  email: Scalars['String']['input'];
  /** `iss` of the verified external token. */
  issuer: Scalars['String']['input'];
  /** The token's `name` claim (may be empty). */
  name: Scalars['String']['input'];
  /** The token's roles (lowercase names, as in access tokens). */
  roles: Array<Scalars['String']['input']>;
  /** `sub` of the verified external token. */
  subject: Scalars['String']['input'];
  /** The token's `tenantId` claim. */
  tenantId: Scalars['ID']['input'];
};

/** Result of `provisionExternalIdentity`. */
export type ProvisionExternalIdentityPayload = {
  __typename?: 'ProvisionExternalIdentityPayload';
  /** The user's id in the token's tenant: what the router forwards as the caller's user id. */
  userId: Scalars['ID']['output'];
};

/**
 * Who is calling. Sign-in, token refresh, registration and password-reset requests are public
 * (no token); everything else needs a verified access token.
 */
export type Query = {
  __typename?: 'Query';
  /** The calling user, with their roles, effective permissions and tenant. */
  me: User;
};

/** Input of `refreshToken`. */
export type RefreshTokenInput = {
  /** The refresh token from `login` or the previous `refreshToken`. */
  refreshToken: Scalars['String']['input'];
};

/** Tokens issued by `refreshToken`. */
export type RefreshTokenPayload = {
  __typename?: 'RefreshTokenPayload';
  /** A new RS256 access token. */
  accessToken: Scalars['String']['output'];
  /** Seconds until the access token expires. */
  expiresIn: Scalars['Int']['output'];
  /** The next refresh token; the one presented is now spent. */
  refreshToken: Scalars['String']['output'];
  /** Always `Bearer`. */
  tokenType: Scalars['String']['output'];
};

/** Input of `register`. */
export type RegisterInput = {
  /** A valid email address, at most 255 characters. */
  email: Scalars['String']['input'];
  /** Display name, 1 to 200 characters (trimmed). */
  name: Scalars['String']['input'];
  /** 8 to 100 characters with a lowercase letter, an uppercase letter and a digit. */
  password: Scalars['String']['input'];
  /** Name of the new tenant, 1 to 200 characters; defaults to `name`. */
  tenantName?: InputMaybe<Scalars['String']['input']>;
};

/** Result of `register`. */
export type RegisterPayload = {
  __typename?: 'RegisterPayload';
  /** The new user, administrator of their new tenant. */
  user: User;
};

/** Input of `requestPasswordReset`. */
export type RequestPasswordResetInput = {
  /** Email address of the account. */
  email: Scalars['String']['input'];
  /** Limits the reset to the account in this tenant. */
  tenantId?: InputMaybe<Scalars['ID']['input']>;
};

/** Result of `requestPasswordReset`. */
export type RequestPasswordResetPayload = {
  __typename?: 'RequestPasswordResetPayload';
  /** Always true: whether an account exists is not disclosed. */
  accepted: Scalars['Boolean']['output'];
};

/** Roles, lowest first; each has every permission of the roles below it. */
export type Role =
  /** Manages the tenant: users, workers, overrides. */
  | 'admin'
  /** Creates and manages shared resources (also called manager). */
  | 'organizer'
  /** Everyday use (also called member). */
  | 'user'
  /** Reads. */
  | 'viewer';

/** A customer organisation: the unit all data is isolated by. */
export type Tenant = {
  __typename?: 'Tenant';
  /** When the tenant was created. */
  createdAt: Scalars['DateTime']['output'];
  /** The tenant's id (the access token's `tenantId`). */
  id: Scalars['ID']['output'];
  /** Display name. */
  name: Scalars['String']['output'];
  /** The subscription plan, which sets quotas in other services. */
  planTier: PlanTier;
};

/**
 * A user account: a person's membership in one tenant. A person (one per email) may be a member of
 * several tenants, with an account (and id) in each.
 */
export type User = {
  __typename?: 'User';
  /** When the account was created. */
  createdAt: Scalars['DateTime']['output'];
  /** Email address, as registered. */
  email: Scalars['String']['output'];
  /** The user's id (the access token's `sub`). */
  id: Scalars['ID']['output'];
  /** Display name. */
  name: Scalars['String']['output'];
  /** Effective permissions (`resource:action`) the roles grant. Readable by the user themselves and by administrators of users. */
  permissions: Array<Scalars['String']['output']>;
  /** The user's roles, lowest first. Readable by the user themselves and by administrators of users. */
  roles: Array<Role>;
  /** The tenant the account belongs to. */
  tenant: Tenant;
};

/** Whose calls a @rateLimit counts together. */
export type Limits__Scope =
  /** The value at the argument path given by argument, trimmed and lowercased, hashed. */
  | 'ARGUMENT'
  /** The client address. */
  | 'IP'
  /** The user's tenant (an anonymous caller: its client address; an internal caller: its credential). */
  | 'TENANT'
  /** The authenticated user (an anonymous caller: its client address; an internal caller: its credential). */
  | 'USER';



export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
      reference: TReference,
      context: TContext,
      info: GraphQLResolveInfo
    ) => Promise<TResult> | TResult;

      type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
      type NullableCheck<T, S> = Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
      type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
      export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };
    

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

/** Mapping of federation types */
export type FederationTypes = {
  Tenant: Tenant;
  User: User;
};

/** Mapping of federation reference types */
export type FederationReferenceTypes = {
  Tenant:
    ( { __typename: 'Tenant' }
    & GraphQLRecursivePick<FederationTypes['Tenant'], {"id":true}> );
  User:
    ( { __typename: 'User' }
    & GraphQLRecursivePick<FederationTypes['User'], {"id":true}> );
};



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  LoginInput: LoginInput;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  LoginPayload: ResolverTypeWrapper<Session>;
  LogoutInput: LogoutInput;
  LogoutPayload: ResolverTypeWrapper<LogoutPayload>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  PlanTier: ResolverTypeWrapper<PlanTierValue>;
  ProvisionExternalIdentityInput: ProvisionExternalIdentityInput;
  ProvisionExternalIdentityPayload: ResolverTypeWrapper<ProvisionExternalIdentityPayload>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  RefreshTokenInput: RefreshTokenInput;
  RefreshTokenPayload: ResolverTypeWrapper<Session>;
  RegisterInput: RegisterInput;
  RegisterPayload: ResolverTypeWrapper<Omit<RegisterPayload, 'user'> & { user: ResolversTypes['User'] }>;
  RequestPasswordResetInput: RequestPasswordResetInput;
  RequestPasswordResetPayload: ResolverTypeWrapper<RequestPasswordResetPayload>;
  Role: ResolverTypeWrapper<RoleValue>;
  Tenant: ResolverTypeWrapper<TenantRow>;
  User: ResolverTypeWrapper<UserWithTenant>;
  limits__Scope: Limits__Scope;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  DateTime: Scalars['DateTime']['output'];
  LoginInput: LoginInput;
  ID: Scalars['ID']['output'];
  LoginPayload: Session;
  LogoutInput: LogoutInput;
  LogoutPayload: LogoutPayload;
  Boolean: Scalars['Boolean']['output'];
  Mutation: Record<PropertyKey, never>;
  ProvisionExternalIdentityInput: ProvisionExternalIdentityInput;
  ProvisionExternalIdentityPayload: ProvisionExternalIdentityPayload;
  Query: Record<PropertyKey, never>;
  RefreshTokenInput: RefreshTokenInput;
  RefreshTokenPayload: Session;
  RegisterInput: RegisterInput;
  RegisterPayload: Omit<RegisterPayload, 'user'> & { user: ResolversParentTypes['User'] };
  RequestPasswordResetInput: RequestPasswordResetInput;
  RequestPasswordResetPayload: RequestPasswordResetPayload;
  Tenant: TenantRow;
  User: UserWithTenant;
  Int: Scalars['Int']['output'];
  String: Scalars['String']['output'];
};

export type LockoutDirectiveArgs = {
  addressFailures?: Scalars['Int']['input'];
  addressWindow?: Scalars['Int']['input'];
  argument: Scalars['String']['input'];
  failures?: Scalars['Int']['input'];
  lock?: Scalars['Int']['input'];
  maxLock?: Scalars['Int']['input'];
};

export type LockoutDirectiveResolver<Result, Parent, ContextType = AuthContext, Args = LockoutDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type RateLimitDirectiveArgs = {
  argument?: Maybe<Scalars['String']['input']>;
  per?: Maybe<Limits__Scope>;
  requests: Scalars['Int']['input'];
  window: Scalars['Int']['input'];
};

export type RateLimitDirectiveResolver<Result, Parent, ContextType = AuthContext, Args = RateLimitDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type LoginPayloadResolvers<ContextType = AuthContext, ParentType extends ResolversParentTypes['LoginPayload'] = ResolversParentTypes['LoginPayload']> = {
  accessToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  expiresIn?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  refreshToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  tokenType?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type LogoutPayloadResolvers<ContextType = AuthContext, ParentType extends ResolversParentTypes['LogoutPayload'] = ResolversParentTypes['LogoutPayload']> = {
  revoked?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type MutationResolvers<ContextType = AuthContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  login?: Resolver<ResolversTypes['LoginPayload'], ParentType, ContextType, RequireFields<MutationLoginArgs, 'input'>>;
  logout?: Resolver<ResolversTypes['LogoutPayload'], ParentType, ContextType, RequireFields<MutationLogoutArgs, 'input'>>;
  provisionExternalIdentity?: Resolver<ResolversTypes['ProvisionExternalIdentityPayload'], ParentType, ContextType, RequireFields<MutationProvisionExternalIdentityArgs, 'input'>>;
  refreshToken?: Resolver<ResolversTypes['RefreshTokenPayload'], ParentType, ContextType, RequireFields<MutationRefreshTokenArgs, 'input'>>;
  register?: Resolver<ResolversTypes['RegisterPayload'], ParentType, ContextType, RequireFields<MutationRegisterArgs, 'input'>>;
  requestPasswordReset?: Resolver<ResolversTypes['RequestPasswordResetPayload'], ParentType, ContextType, RequireFields<MutationRequestPasswordResetArgs, 'input'>>;
};

export type PlanTierResolvers = { ENTERPRISE: 'enterprise', FREE: 'free', PROFESSIONAL: 'professional', STARTER: 'starter' };

export type ProvisionExternalIdentityPayloadResolvers<ContextType = AuthContext, ParentType extends ResolversParentTypes['ProvisionExternalIdentityPayload'] = ResolversParentTypes['ProvisionExternalIdentityPayload']> = {
  userId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
};

export type QueryResolvers<ContextType = AuthContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  me?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
};

export type RefreshTokenPayloadResolvers<ContextType = AuthContext, ParentType extends ResolversParentTypes['RefreshTokenPayload'] = ResolversParentTypes['RefreshTokenPayload']> = {
  accessToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  expiresIn?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  refreshToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  tokenType?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type RegisterPayloadResolvers<ContextType = AuthContext, ParentType extends ResolversParentTypes['RegisterPayload'] = ResolversParentTypes['RegisterPayload']> = {
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
};

export type RequestPasswordResetPayloadResolvers<ContextType = AuthContext, ParentType extends ResolversParentTypes['RequestPasswordResetPayload'] = ResolversParentTypes['RequestPasswordResetPayload']> = {
  accepted?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type RoleResolvers = { ADMIN: 'admin', ORGANIZER: 'organizer', USER: 'user', VIEWER: 'viewer' };

export type TenantResolvers<ContextType = AuthContext, ParentType extends ResolversParentTypes['Tenant'] = ResolversParentTypes['Tenant'], FederationReferenceType extends FederationReferenceTypes['Tenant'] = FederationReferenceTypes['Tenant']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Tenant']> | FederationReferenceType, FederationReferenceType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  planTier?: Resolver<ResolversTypes['PlanTier'], ParentType, ContextType>;
};

export type UserResolvers<ContextType = AuthContext, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User'], FederationReferenceType extends FederationReferenceTypes['User'] = FederationReferenceTypes['User']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['User']> | FederationReferenceType, FederationReferenceType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  email?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  permissions?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  roles?: Resolver<Array<ResolversTypes['Role']>, ParentType, ContextType>;
  tenant?: Resolver<ResolversTypes['Tenant'], ParentType, ContextType>;
};

export type Resolvers<ContextType = AuthContext> = {
  DateTime?: GraphQLScalarType;
  LoginPayload?: LoginPayloadResolvers<ContextType>;
  LogoutPayload?: LogoutPayloadResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  PlanTier?: PlanTierResolvers;
  ProvisionExternalIdentityPayload?: ProvisionExternalIdentityPayloadResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  RefreshTokenPayload?: RefreshTokenPayloadResolvers<ContextType>;
  RegisterPayload?: RegisterPayloadResolvers<ContextType>;
  RequestPasswordResetPayload?: RequestPasswordResetPayloadResolvers<ContextType>;
  Role?: RoleResolvers;
  Tenant?: TenantResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
};

export type DirectiveResolvers<ContextType = AuthContext> = {
  lockout?: LockoutDirectiveResolver<any, any, ContextType>;
  rateLimit?: RateLimitDirectiveResolver<any, any, ContextType>;
};
