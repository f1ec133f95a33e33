import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { JobRow, JobStatus as JobStatusValue } from '../db/schema.ts';
import type { Connection, Edge } from '@eventzr/lib/connection';
import type { QuotaState, TenantKey } from '../services/quotas.ts';
import type { WorkerView } from '../repositories/workers.ts';
import type { JobsContext } from '../context.ts';
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
  /** Any JSON value. */
  JSON: { input: unknown; output: unknown; }
  _FieldSet: { input: unknown; output: unknown; }
};

/** The job to cancel. */
export type CancelJobInput = {
  /** The job's id. */
  id: Scalars['ID']['input'];
};

/** The cancelled job. */
export type CancelJobPayload = {
  __typename?: 'CancelJobPayload';
  /** The job, CANCELLED. */
  job: Job;
};

/** A job the worker finished. */
export type CompleteJobInput = {
  /** The leased job. */
  jobId: Scalars['ID']['input'];
  /** What the job produced (at most 64 KiB of JSON). */
  result?: InputMaybe<Scalars['JSON']['input']>;
  /** The worker holding the lease. */
  workerId: Scalars['ID']['input'];
};

/** The completed job. */
export type CompleteJobPayload = {
  __typename?: 'CompleteJobPayload';
  /** The job, SUCCEEDED. */
  job: Job;
};

/** A job to enqueue. */
export type EnqueueJobInput = {
  /** Attempts before the job is dead-lettered, 1..25 (default 3). */
  maxAttempts?: InputMaybe<Scalars['Int']['input']>;
  /** The job's input (at most 64 KiB of JSON); an object when omitted. */
  payload?: InputMaybe<Scalars['JSON']['input']>;
  /** Higher runs first, -100..100 (default 0). */
  priority?: InputMaybe<Scalars['Int']['input']>;
  /** Not before this time (default now; at most a year ahead). */
  runAt?: InputMaybe<Scalars['DateTime']['input']>;
  /** Kind of work: lowercase letters, digits, '.', '_' and '-', starting with a letter, at most 100 characters. */
  type: Scalars['String']['input'];
};

/** The enqueued job. */
export type EnqueueJobPayload = {
  __typename?: 'EnqueueJobPayload';
  /** The new job, QUEUED. */
  job: Job;
};

/** A failed attempt. */
export type FailJobInput = {
  /** What went wrong (kept up to 4000 characters). */
  error: Scalars['String']['input'];
  /** The leased job. */
  jobId: Scalars['ID']['input'];
  /** False when another attempt cannot succeed: the job is dead-lettered at once. */
  retryable?: InputMaybe<Scalars['Boolean']['input']>;
  /** The worker holding the lease. */
  workerId: Scalars['ID']['input'];
};

/** The job after the failed attempt. */
export type FailJobPayload = {
  __typename?: 'FailJobPayload';
  /** FAILED (retried after a backoff) or DEAD_LETTERED. */
  job: Job;
};

/** A lease to extend. */
export type HeartbeatJobInput = {
  /** The leased job. */
  jobId: Scalars['ID']['input'];
  /** New lease length from now, in seconds (5..3600). */
  leaseSeconds: Scalars['Int']['input'];
  /** The worker holding the lease. */
  workerId: Scalars['ID']['input'];
};

/** The job with its extended lease. */
export type HeartbeatJobPayload = {
  __typename?: 'HeartbeatJobPayload';
  /** The job. */
  job: Job;
};

/** A unit of background work, owned by one tenant. */
export type Job = {
  __typename?: 'Job';
  /** How many times a worker has leased the job since it was enqueued or last retried. */
  attempts: Scalars['Int']['output'];
  /** When the job was enqueued. */
  createdAt: Scalars['DateTime']['output'];
  /**
   * The user who enqueued the job; null when the auth service no longer knows them (a deleted user,
   * or a creator from another identity provider), so one such job cannot take a whole list down.
   */
  createdBy?: Maybe<User>;
  /** When the job reached SUCCEEDED, CANCELLED or DEAD_LETTERED (cleared when it is queued again). */
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  /** The job's id. */
  id: Scalars['ID']['output'];
  /** The error of the last failed attempt. */
  lastError?: Maybe<Scalars['String']['output']>;
  /** When the current lease ends (RUNNING only). */
  leaseExpiresAt?: Maybe<Scalars['DateTime']['output']>;
  /** Attempts allowed before the job is dead-lettered. */
  maxAttempts: Scalars['Int']['output'];
  /** The job's input, as enqueued. */
  payload: Scalars['JSON']['output'];
  /** Higher runs first (-100..100). */
  priority: Scalars['Int']['output'];
  /** What the worker reported on completion, if anything. */
  result?: Maybe<Scalars['JSON']['output']>;
  /** The earliest time the job may be leased. */
  runAt: Scalars['DateTime']['output'];
  /** When a worker first leased the job. */
  startedAt?: Maybe<Scalars['DateTime']['output']>;
  /** Where the job is in its life. */
  status: JobStatus;
  /** The tenant that owns the job. */
  tenantId: Scalars['ID']['output'];
  /** What kind of work this is (e.g. email.send); workers lease jobs by type. */
  type: Scalars['String']['output'];
  /** When the job last changed. */
  updatedAt: Scalars['DateTime']['output'];
  /** The worker that holds (or last held) the job's lease. */
  workerId?: Maybe<Scalars['String']['output']>;
};

/** A page of jobs. */
export type JobConnection = {
  __typename?: 'JobConnection';
  /** The jobs of this page with their cursors. */
  edges: Array<JobEdge>;
  /** The jobs of this page. */
  nodes: Array<Job>;
  /** Where this page is in the list. */
  pageInfo: PageInfo;
  /** How many jobs the whole list (with its filter) holds. */
  totalCount: Scalars['Int']['output'];
};

/** A job and its position in a list. */
export type JobEdge = {
  __typename?: 'JobEdge';
  /** Opaque position of this job in the list. */
  cursor: Scalars['String']['output'];
  /** The job. */
  node: Job;
};

/** Narrows a job list. */
export type JobFilter = {
  /** Only jobs in this status. */
  status?: InputMaybe<JobStatus>;
  /** Only jobs of this type. */
  type?: InputMaybe<Scalars['String']['input']>;
};

/** Job counts of the caller's tenant by status. */
export type JobMetrics = {
  __typename?: 'JobMetrics';
  /** Jobs cancelled. */
  cancelled: Scalars['Int']['output'];
  /** Jobs in the dead-letter queue. */
  deadLettered: Scalars['Int']['output'];
  /** Jobs whose last attempt failed and that will be retried. */
  failed: Scalars['Int']['output'];
  /** Jobs waiting to run. */
  queued: Scalars['Int']['output'];
  /** Jobs leased by a worker. */
  running: Scalars['Int']['output'];
  /** Jobs completed. */
  succeeded: Scalars['Int']['output'];
};

/** A tenant's daily enqueue quota. A day is a UTC calendar day. */
export type JobQuota = {
  __typename?: 'JobQuota';
  /** Enqueues allowed today: the plan's limit, or the tenant's own lower cap when one is set. */
  limit: Scalars['Int']['output'];
  /** The tenant's own cap, when one is set (see setTenantJobQuota). */
  override?: Maybe<Scalars['Int']['output']>;
  /** Start of the current period (UTC midnight). */
  periodStart: Scalars['DateTime']['output'];
  /** The plan's daily limit. */
  planLimit: Scalars['Int']['output'];
  /** The caller's plan tier the limit derives from. */
  planTier: Scalars['String']['output'];
  /** Enqueues left today. */
  remaining: Scalars['Int']['output'];
  /** When the count starts again from zero. */
  resetsAt: Scalars['DateTime']['output'];
  /** Enqueues made today. */
  used: Scalars['Int']['output'];
};

/** Where a job is in its life. */
export type JobStatus =
  /** Cancelled by a user before it ran. */
  | 'cancelled'
  /** Failed maxAttempts times (or its lease expired on the last attempt); waits for a replay or a purge. */
  | 'dead_lettered'
  /** The last attempt failed; the job is leased again after runAt (its backoff). */
  | 'failed'
  /** Waiting to be leased by a worker (at or after runAt). */
  | 'queued'
  /** Leased by a worker until leaseExpiresAt. */
  | 'running'
  /** Completed by a worker; see result. */
  | 'succeeded';

/** What a worker asks the queue for. */
export type LeaseJobsInput = {
  /** Lease length in seconds (5..3600); extend it with heartbeatJob. */
  leaseSeconds: Scalars['Int']['input'];
  /** At most this many jobs (1..100). */
  max: Scalars['Int']['input'];
  /** Job types the worker runs (1 to 50). */
  types: Array<Scalars['String']['input']>;
  /** The worker's id (letters, digits, '.', '_', ':', '-'; at most 128 characters). */
  workerId: Scalars['ID']['input'];
};

/** The leased jobs. */
export type LeaseJobsPayload = {
  __typename?: 'LeaseJobsPayload';
  /** Jobs now RUNNING under this worker's lease, highest priority first (possibly none). */
  jobs: Array<Job>;
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Cancels a QUEUED or FAILED job, or a RUNNING one whose lease has expired (its creator or an administrator). */
  cancelJob: CancelJobPayload;
  /** Worker protocol: completes a leased job (internal callers). */
  completeJob: CompleteJobPayload;
  /** Adds a job to the caller's tenant's queue, counted against its daily quota. */
  enqueueJob: EnqueueJobPayload;
  /** Worker protocol: reports a failed attempt of a leased job (internal callers). */
  failJob: FailJobPayload;
  /** Worker protocol: extends a lease the worker holds (internal callers). */
  heartbeatJob: HeartbeatJobPayload;
  /** Worker protocol: leases ready jobs of the given types, across tenants (internal callers). */
  leaseJobs: LeaseJobsPayload;
  /** Deletes dead-lettered jobs (their creator or an administrator; by time, administrators only). */
  purgeDeadLetterJobs: PurgeDeadLetterJobsPayload;
  /** Queues dead-lettered jobs again with fresh attempts (their creator or an administrator). */
  replayDeadLetterJobs: ReplayDeadLetterJobsPayload;
  /** Queues a FAILED or DEAD_LETTERED job again with fresh attempts (its creator or an administrator). */
  retryJob: RetryJobPayload;
  /** Sets or removes the caller's tenant's own cap on daily enqueues (administrators). */
  setTenantJobQuota: SetTenantJobQuotaPayload;
  /** Changes a QUEUED job (its creator or an administrator). */
  updateJob: UpdateJobPayload;
};


export type MutationCancelJobArgs = {
  input: CancelJobInput;
};


export type MutationCompleteJobArgs = {
  input: CompleteJobInput;
};


export type MutationEnqueueJobArgs = {
  input: EnqueueJobInput;
};


export type MutationFailJobArgs = {
  input: FailJobInput;
};


export type MutationHeartbeatJobArgs = {
  input: HeartbeatJobInput;
};


export type MutationLeaseJobsArgs = {
  input: LeaseJobsInput;
};


export type MutationPurgeDeadLetterJobsArgs = {
  input: PurgeDeadLetterJobsInput;
};


export type MutationReplayDeadLetterJobsArgs = {
  input: ReplayDeadLetterJobsInput;
};


export type MutationRetryJobArgs = {
  input: RetryJobInput;
};


export type MutationSetTenantJobQuotaArgs = {
  input: SetTenantJobQuotaInput;
};


export type MutationUpdateJobArgs = {
  input: UpdateJobInput;
};

/** Where a page is in its list (Relay cursor connections). */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** Cursor of the last item of the page; null when the page is empty. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** True when the list has items after this page (forward pagination). */
  hasNextPage: Scalars['Boolean']['output'];
  /** True when the list has items before this page (backward pagination). */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** Cursor of the first item of the page; null when the page is empty. */
  startCursor?: Maybe<Scalars['String']['output']>;
};

/** Dead-lettered jobs to delete: either ids, or (administrators) everything dead-lettered before a time. */
export type PurgeDeadLetterJobsInput = {
  /** Purge every dead-lettered job of the tenant that finished before this time (jobs:admin). */
  finishedBefore?: InputMaybe<Scalars['DateTime']['input']>;
  /** 1 to 100 ids of dead-lettered jobs; all are purged or none. */
  ids?: InputMaybe<Array<Scalars['ID']['input']>>;
};

/** What the purge deleted. */
export type PurgeDeadLetterJobsPayload = {
  __typename?: 'PurgeDeadLetterJobsPayload';
  /** How many jobs were deleted. */
  purgedCount: Scalars['Int']['output'];
  /** The ids of the deleted jobs. */
  purgedIds: Array<Scalars['ID']['output']>;
};

export type Query = {
  __typename?: 'Query';
  /** The caller's tenant's dead-lettered jobs, newest first. */
  deadLetterJobs: JobConnection;
  /** One job of the caller's tenant; null when there is none with this id. */
  job?: Maybe<Job>;
  /** Job counts of the caller's tenant by status. */
  jobMetrics: JobMetrics;
  /** The caller's tenant's daily enqueue quota. */
  jobQuota: JobQuota;
  /** The caller's tenant's jobs, newest first. */
  jobs: JobConnection;
  /** The platform's worker registry, by id (administrators). */
  workers: WorkerConnection;
};


export type QueryDeadLetterJobsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryJobArgs = {
  id: Scalars['ID']['input'];
};


export type QueryJobsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<JobFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryWorkersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};

/** Dead-lettered jobs to queue again. */
export type ReplayDeadLetterJobsInput = {
  /** 1 to 100 ids of dead-lettered jobs; all are replayed or none. */
  ids: Array<Scalars['ID']['input']>;
};

/** The replayed jobs. */
export type ReplayDeadLetterJobsPayload = {
  __typename?: 'ReplayDeadLetterJobsPayload';
  /** The jobs, QUEUED with their attempts reset. */
  jobs: Array<Job>;
};

/** The job to run again. */
export type RetryJobInput = {
  /** The job's id. */
  id: Scalars['ID']['input'];
};

/** The job queued again. */
export type RetryJobPayload = {
  __typename?: 'RetryJobPayload';
  /** The job, QUEUED with its attempts reset. */
  job: Job;
};

/** The tenant's own cap on its daily enqueues. */
export type SetTenantJobQuotaInput = {
  /** Daily limit, 0 up to the plan's limit; null removes the cap so the plan's limit applies. */
  dailyLimit?: InputMaybe<Scalars['Int']['input']>;
};

/** The quota after the change. */
export type SetTenantJobQuotaPayload = {
  __typename?: 'SetTenantJobQuotaPayload';
  /** The tenant's quota with the new cap. */
  quota: JobQuota;
};

/** A customer organisation: the unit all data is isolated by. */
export type Tenant = {
  __typename?: 'Tenant';
  /** The tenant's id (the access token's `tenantId`). */
  id: Scalars['ID']['output'];
  /** The tenant's daily enqueue quota and today's usage. */
  jobQuota: JobQuota;
};

/** Changes to a job that has not started. Omitted fields keep their value. */
export type UpdateJobInput = {
  /** The job to change. */
  id: Scalars['ID']['input'];
  /** New payload (at most 64 KiB of JSON). */
  payload?: InputMaybe<Scalars['JSON']['input']>;
  /** New priority, -100..100. */
  priority?: InputMaybe<Scalars['Int']['input']>;
  /** New earliest start time. */
  runAt?: InputMaybe<Scalars['DateTime']['input']>;
};

/** The changed job. */
export type UpdateJobPayload = {
  __typename?: 'UpdateJobPayload';
  /** The job after the change. */
  job: Job;
};

/**
 * A user account: a person's membership in one tenant. A person (one per email) may be a member of
 * several tenants, with an account (and id) in each.
 */
export type User = {
  __typename?: 'User';
  /** The user's id (the access token's `sub`). */
  id: Scalars['ID']['output'];
};

/**
 * A worker process of the platform: infrastructure shared by every tenant, so it shows nothing
 * about any tenant's jobs (not even the job types it runs).
 */
export type Worker = {
  __typename?: 'Worker';
  /** When it first called the worker protocol. */
  firstSeenAt: Scalars['DateTime']['output'];
  /** The worker's self-chosen id. */
  id: Scalars['ID']['output'];
  /** When it last called the worker protocol. */
  lastHeartbeatAt: Scalars['DateTime']['output'];
  /** Alive or not, from its last heartbeat. */
  status: WorkerStatus;
};

/** A page of workers. */
export type WorkerConnection = {
  __typename?: 'WorkerConnection';
  /** The workers of this page with their cursors. */
  edges: Array<WorkerEdge>;
  /** The workers of this page. */
  nodes: Array<Worker>;
  /** Where this page is in the list. */
  pageInfo: PageInfo;
  /** How many workers the registry holds. */
  totalCount: Scalars['Int']['output'];
};

/** A worker and its position in the list. */
export type WorkerEdge = {
  __typename?: 'WorkerEdge';
  /** Opaque position of this worker in the list. */
  cursor: Scalars['String']['output'];
  /** The worker. */
  node: Worker;
};

/** Whether a worker is alive. */
export type WorkerStatus =
  /** Seen within its lease length (plus a grace period). */
  | 'ACTIVE'
  /** Not seen for longer than its lease length: stopped or unreachable. */
  | 'OFFLINE';



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
  Job: Job;
  Tenant: Tenant;
  Worker: Worker;
};

/** Mapping of federation reference types */
export type FederationReferenceTypes = {
  Job:
    ( { __typename: 'Job' }
    & GraphQLRecursivePick<FederationTypes['Job'], {"id":true}> );
  Tenant:
    ( { __typename: 'Tenant' }
    & GraphQLRecursivePick<FederationTypes['Tenant'], {"id":true}> );
  Worker:
    ( { __typename: 'Worker' }
    & GraphQLRecursivePick<FederationTypes['Worker'], {"id":true}> );
};



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  CancelJobInput: CancelJobInput;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  CancelJobPayload: ResolverTypeWrapper<Omit<CancelJobPayload, 'job'> & { job: ResolversTypes['Job'] }>;
  CompleteJobInput: CompleteJobInput;
  CompleteJobPayload: ResolverTypeWrapper<Omit<CompleteJobPayload, 'job'> & { job: ResolversTypes['Job'] }>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  EnqueueJobInput: EnqueueJobInput;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  EnqueueJobPayload: ResolverTypeWrapper<Omit<EnqueueJobPayload, 'job'> & { job: ResolversTypes['Job'] }>;
  FailJobInput: FailJobInput;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  FailJobPayload: ResolverTypeWrapper<Omit<FailJobPayload, 'job'> & { job: ResolversTypes['Job'] }>;
  HeartbeatJobInput: HeartbeatJobInput;
  HeartbeatJobPayload: ResolverTypeWrapper<Omit<HeartbeatJobPayload, 'job'> & { job: ResolversTypes['Job'] }>;
  JSON: ResolverTypeWrapper<Scalars['JSON']['output']>;
  Job: ResolverTypeWrapper<JobRow>;
  JobConnection: ResolverTypeWrapper<Connection<JobRow>>;
  JobEdge: ResolverTypeWrapper<Edge<JobRow>>;
  JobFilter: JobFilter;
  JobMetrics: ResolverTypeWrapper<JobMetrics>;
  JobQuota: ResolverTypeWrapper<QuotaState>;
  JobStatus: ResolverTypeWrapper<JobStatusValue>;
  LeaseJobsInput: LeaseJobsInput;
  LeaseJobsPayload: ResolverTypeWrapper<Omit<LeaseJobsPayload, 'jobs'> & { jobs: Array<ResolversTypes['Job']> }>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  PurgeDeadLetterJobsInput: PurgeDeadLetterJobsInput;
  PurgeDeadLetterJobsPayload: ResolverTypeWrapper<PurgeDeadLetterJobsPayload>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  ReplayDeadLetterJobsInput: ReplayDeadLetterJobsInput;
  ReplayDeadLetterJobsPayload: ResolverTypeWrapper<Omit<ReplayDeadLetterJobsPayload, 'jobs'> & { jobs: Array<ResolversTypes['Job']> }>;
  RetryJobInput: RetryJobInput;
  RetryJobPayload: ResolverTypeWrapper<Omit<RetryJobPayload, 'job'> & { job: ResolversTypes['Job'] }>;
  SetTenantJobQuotaInput: SetTenantJobQuotaInput;
  SetTenantJobQuotaPayload: ResolverTypeWrapper<Omit<SetTenantJobQuotaPayload, 'quota'> & { quota: ResolversTypes['JobQuota'] }>;
  Tenant: ResolverTypeWrapper<TenantKey>;
  UpdateJobInput: UpdateJobInput;
  UpdateJobPayload: ResolverTypeWrapper<Omit<UpdateJobPayload, 'job'> & { job: ResolversTypes['Job'] }>;
  User: ResolverTypeWrapper<User>;
  Worker: ResolverTypeWrapper<WorkerView>;
  WorkerConnection: ResolverTypeWrapper<Connection<WorkerView>>;
  WorkerEdge: ResolverTypeWrapper<Edge<WorkerView>>;
  WorkerStatus: WorkerStatus;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  CancelJobInput: CancelJobInput;
  ID: Scalars['ID']['output'];
  CancelJobPayload: Omit<CancelJobPayload, 'job'> & { job: ResolversParentTypes['Job'] };
  CompleteJobInput: CompleteJobInput;
  CompleteJobPayload: Omit<CompleteJobPayload, 'job'> & { job: ResolversParentTypes['Job'] };
  DateTime: Scalars['DateTime']['output'];
  EnqueueJobInput: EnqueueJobInput;
  Int: Scalars['Int']['output'];
  String: Scalars['String']['output'];
  EnqueueJobPayload: Omit<EnqueueJobPayload, 'job'> & { job: ResolversParentTypes['Job'] };
  FailJobInput: FailJobInput;
  Boolean: Scalars['Boolean']['output'];
  FailJobPayload: Omit<FailJobPayload, 'job'> & { job: ResolversParentTypes['Job'] };
  HeartbeatJobInput: HeartbeatJobInput;
  HeartbeatJobPayload: Omit<HeartbeatJobPayload, 'job'> & { job: ResolversParentTypes['Job'] };
  JSON: Scalars['JSON']['output'];
  Job: JobRow;
  JobConnection: Connection<JobRow>;
  JobEdge: Edge<JobRow>;
  JobFilter: JobFilter;
  JobMetrics: JobMetrics;
  JobQuota: QuotaState;
  LeaseJobsInput: LeaseJobsInput;
  LeaseJobsPayload: Omit<LeaseJobsPayload, 'jobs'> & { jobs: Array<ResolversParentTypes['Job']> };
  Mutation: Record<PropertyKey, never>;
  PageInfo: PageInfo;
  PurgeDeadLetterJobsInput: PurgeDeadLetterJobsInput;
  PurgeDeadLetterJobsPayload: PurgeDeadLetterJobsPayload;
  Query: Record<PropertyKey, never>;
  ReplayDeadLetterJobsInput: ReplayDeadLetterJobsInput;
  ReplayDeadLetterJobsPayload: Omit<ReplayDeadLetterJobsPayload, 'jobs'> & { jobs: Array<ResolversParentTypes['Job']> };
  RetryJobInput: RetryJobInput;
  RetryJobPayload: Omit<RetryJobPayload, 'job'> & { job: ResolversParentTypes['Job'] };
  SetTenantJobQuotaInput: SetTenantJobQuotaInput;
  SetTenantJobQuotaPayload: Omit<SetTenantJobQuotaPayload, 'quota'> & { quota: ResolversParentTypes['JobQuota'] };
  Tenant: TenantKey;
  UpdateJobInput: UpdateJobInput;
  UpdateJobPayload: Omit<UpdateJobPayload, 'job'> & { job: ResolversParentTypes['Job'] };
  User: User;
  Worker: WorkerView;
  WorkerConnection: Connection<WorkerView>;
  WorkerEdge: Edge<WorkerView>;
};

export type CancelJobPayloadResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['CancelJobPayload'] = ResolversParentTypes['CancelJobPayload']> = {
  job?: Resolver<ResolversTypes['Job'], ParentType, ContextType>;
};

export type CompleteJobPayloadResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['CompleteJobPayload'] = ResolversParentTypes['CompleteJobPayload']> = {
  job?: Resolver<ResolversTypes['Job'], ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type EnqueueJobPayloadResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['EnqueueJobPayload'] = ResolversParentTypes['EnqueueJobPayload']> = {
  job?: Resolver<ResolversTypes['Job'], ParentType, ContextType>;
};

export type FailJobPayloadResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['FailJobPayload'] = ResolversParentTypes['FailJobPayload']> = {
  job?: Resolver<ResolversTypes['Job'], ParentType, ContextType>;
};

export type HeartbeatJobPayloadResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['HeartbeatJobPayload'] = ResolversParentTypes['HeartbeatJobPayload']> = {
  job?: Resolver<ResolversTypes['Job'], ParentType, ContextType>;
};

export interface JsonScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['JSON'], any> {
  name: 'JSON';
}

export type JobResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['Job'] = ResolversParentTypes['Job'], FederationReferenceType extends FederationReferenceTypes['Job'] = FederationReferenceTypes['Job']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Job']> | FederationReferenceType, FederationReferenceType, ContextType>;
  attempts?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  createdBy?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  finishedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastError?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  leaseExpiresAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  maxAttempts?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  payload?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  priority?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  result?: Resolver<Maybe<ResolversTypes['JSON']>, ParentType, ContextType>;
  runAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  startedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['JobStatus'], ParentType, ContextType>;
  tenantId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  workerId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type JobConnectionResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['JobConnection'] = ResolversParentTypes['JobConnection']> = {
  edges?: Resolver<Array<ResolversTypes['JobEdge']>, ParentType, ContextType>;
  nodes?: Resolver<Array<ResolversTypes['Job']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type JobEdgeResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['JobEdge'] = ResolversParentTypes['JobEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Job'], ParentType, ContextType>;
};

export type JobMetricsResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['JobMetrics'] = ResolversParentTypes['JobMetrics']> = {
  cancelled?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  deadLettered?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  failed?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  queued?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  running?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  succeeded?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type JobQuotaResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['JobQuota'] = ResolversParentTypes['JobQuota']> = {
  limit?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  override?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  periodStart?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  planLimit?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  planTier?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  remaining?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  resetsAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  used?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type JobStatusResolvers = { CANCELLED: 'cancelled', DEAD_LETTERED: 'dead_lettered', FAILED: 'failed', QUEUED: 'queued', RUNNING: 'running', SUCCEEDED: 'succeeded' };

export type LeaseJobsPayloadResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['LeaseJobsPayload'] = ResolversParentTypes['LeaseJobsPayload']> = {
  jobs?: Resolver<Array<ResolversTypes['Job']>, ParentType, ContextType>;
};

export type MutationResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  cancelJob?: Resolver<ResolversTypes['CancelJobPayload'], ParentType, ContextType, RequireFields<MutationCancelJobArgs, 'input'>>;
  completeJob?: Resolver<ResolversTypes['CompleteJobPayload'], ParentType, ContextType, RequireFields<MutationCompleteJobArgs, 'input'>>;
  enqueueJob?: Resolver<ResolversTypes['EnqueueJobPayload'], ParentType, ContextType, RequireFields<MutationEnqueueJobArgs, 'input'>>;
  failJob?: Resolver<ResolversTypes['FailJobPayload'], ParentType, ContextType, RequireFields<MutationFailJobArgs, 'input'>>;
  heartbeatJob?: Resolver<ResolversTypes['HeartbeatJobPayload'], ParentType, ContextType, RequireFields<MutationHeartbeatJobArgs, 'input'>>;
  leaseJobs?: Resolver<ResolversTypes['LeaseJobsPayload'], ParentType, ContextType, RequireFields<MutationLeaseJobsArgs, 'input'>>;
  purgeDeadLetterJobs?: Resolver<ResolversTypes['PurgeDeadLetterJobsPayload'], ParentType, ContextType, RequireFields<MutationPurgeDeadLetterJobsArgs, 'input'>>;
  replayDeadLetterJobs?: Resolver<ResolversTypes['ReplayDeadLetterJobsPayload'], ParentType, ContextType, RequireFields<MutationReplayDeadLetterJobsArgs, 'input'>>;
  retryJob?: Resolver<ResolversTypes['RetryJobPayload'], ParentType, ContextType, RequireFields<MutationRetryJobArgs, 'input'>>;
  setTenantJobQuota?: Resolver<ResolversTypes['SetTenantJobQuotaPayload'], ParentType, ContextType, RequireFields<MutationSetTenantJobQuotaArgs, 'input'>>;
  updateJob?: Resolver<ResolversTypes['UpdateJobPayload'], ParentType, ContextType, RequireFields<MutationUpdateJobArgs, 'input'>>;
};

export type PageInfoResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  hasPreviousPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  startCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type PurgeDeadLetterJobsPayloadResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['PurgeDeadLetterJobsPayload'] = ResolversParentTypes['PurgeDeadLetterJobsPayload']> = {
  purgedCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  purgedIds?: Resolver<Array<ResolversTypes['ID']>, ParentType, ContextType>;
};

export type QueryResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  deadLetterJobs?: Resolver<ResolversTypes['JobConnection'], ParentType, ContextType, Partial<QueryDeadLetterJobsArgs>>;
  job?: Resolver<Maybe<ResolversTypes['Job']>, ParentType, ContextType, RequireFields<QueryJobArgs, 'id'>>;
  jobMetrics?: Resolver<ResolversTypes['JobMetrics'], ParentType, ContextType>;
  jobQuota?: Resolver<ResolversTypes['JobQuota'], ParentType, ContextType>;
  jobs?: Resolver<ResolversTypes['JobConnection'], ParentType, ContextType, Partial<QueryJobsArgs>>;
  workers?: Resolver<ResolversTypes['WorkerConnection'], ParentType, ContextType, Partial<QueryWorkersArgs>>;
};

export type ReplayDeadLetterJobsPayloadResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['ReplayDeadLetterJobsPayload'] = ResolversParentTypes['ReplayDeadLetterJobsPayload']> = {
  jobs?: Resolver<Array<ResolversTypes['Job']>, ParentType, ContextType>;
};

export type RetryJobPayloadResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['RetryJobPayload'] = ResolversParentTypes['RetryJobPayload']> = {
  job?: Resolver<ResolversTypes['Job'], ParentType, ContextType>;
};

export type SetTenantJobQuotaPayloadResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['SetTenantJobQuotaPayload'] = ResolversParentTypes['SetTenantJobQuotaPayload']> = {
  quota?: Resolver<ResolversTypes['JobQuota'], ParentType, ContextType>;
};

export type TenantResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['Tenant'] = ResolversParentTypes['Tenant'], FederationReferenceType extends FederationReferenceTypes['Tenant'] = FederationReferenceTypes['Tenant']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Tenant']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  jobQuota?: Resolver<ResolversTypes['JobQuota'], ParentType, ContextType>;
};

export type UpdateJobPayloadResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['UpdateJobPayload'] = ResolversParentTypes['UpdateJobPayload']> = {
  job?: Resolver<ResolversTypes['Job'], ParentType, ContextType>;
};

export type UserResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User']> = {
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
};

export type WorkerResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['Worker'] = ResolversParentTypes['Worker'], FederationReferenceType extends FederationReferenceTypes['Worker'] = FederationReferenceTypes['Worker']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Worker']> | FederationReferenceType, FederationReferenceType, ContextType>;
  firstSeenAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastHeartbeatAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['WorkerStatus'], ParentType, ContextType>;
};

export type WorkerConnectionResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['WorkerConnection'] = ResolversParentTypes['WorkerConnection']> = {
  edges?: Resolver<Array<ResolversTypes['WorkerEdge']>, ParentType, ContextType>;
  nodes?: Resolver<Array<ResolversTypes['Worker']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type WorkerEdgeResolvers<ContextType = JobsContext, ParentType extends ResolversParentTypes['WorkerEdge'] = ResolversParentTypes['WorkerEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Worker'], ParentType, ContextType>;
};

export type Resolvers<ContextType = JobsContext> = {
  CancelJobPayload?: CancelJobPayloadResolvers<ContextType>;
  CompleteJobPayload?: CompleteJobPayloadResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  EnqueueJobPayload?: EnqueueJobPayloadResolvers<ContextType>;
  FailJobPayload?: FailJobPayloadResolvers<ContextType>;
  HeartbeatJobPayload?: HeartbeatJobPayloadResolvers<ContextType>;
  JSON?: GraphQLScalarType;
  Job?: JobResolvers<ContextType>;
  JobConnection?: JobConnectionResolvers<ContextType>;
  JobEdge?: JobEdgeResolvers<ContextType>;
  JobMetrics?: JobMetricsResolvers<ContextType>;
  JobQuota?: JobQuotaResolvers<ContextType>;
  JobStatus?: JobStatusResolvers;
  LeaseJobsPayload?: LeaseJobsPayloadResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  PurgeDeadLetterJobsPayload?: PurgeDeadLetterJobsPayloadResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  ReplayDeadLetterJobsPayload?: ReplayDeadLetterJobsPayloadResolvers<ContextType>;
  RetryJobPayload?: RetryJobPayloadResolvers<ContextType>;
  SetTenantJobQuotaPayload?: SetTenantJobQuotaPayloadResolvers<ContextType>;
  Tenant?: TenantResolvers<ContextType>;
  UpdateJobPayload?: UpdateJobPayloadResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
  Worker?: WorkerResolvers<ContextType>;
  WorkerConnection?: WorkerConnectionResolvers<ContextType>;
  WorkerEdge?: WorkerEdgeResolvers<ContextType>;
};

