// Development identities, shared by the auth subgraph's seed and the router's development auth
// mode. Never loaded when NODE_ENV=production.
import { userCallerFromClaims, type UserCaller } from './claims.ts';
export const DEV_PASSWORD = 'Password123!';

export const DEV_TENANTS = [
  { id: '00000000-0000-4000-8000-000000000001', name: 'EventZR Demo', planTier: 'professional' },
  { id: '00000000-0000-4000-8000-000000000002', name: 'Acme Events', planTier: 'starter' },
] as const;

export const DEV_USERS = [
  {
    id: '00000000-0000-4000-8000-000000000101',
    tenantId: DEV_TENANTS[0].id,
    email: 'admin@eventzr.com',
    name: 'EventZR Admin',
    roles: ['admin'],
  },
  {
    id: '00000000-0000-4000-8000-000000000102',
    tenantId: DEV_TENANTS[0].id,
    email: 'dev@eventzr.com',
    name: 'EventZR Developer',
    roles: ['user', 'organizer'],
  },
  {
    id: '00000000-0000-4000-8000-000000000103',
    tenantId: DEV_TENANTS[0].id,
    email: 'viewer@eventzr.com',
    name: 'EventZR Viewer',
    roles: ['viewer'],
  },
  {
    id: '00000000-0000-4000-8000-000000000201',
    tenantId: DEV_TENANTS[1].id,
    email: 'admin@acme.example',
    name: 'Acme Admin',
    roles: ['admin'],
  },
  {
    id: '00000000-0000-4000-8000-000000000202',
    tenantId: DEV_TENANTS[1].id,
    email: 'user@acme.example',
    name: 'Acme User',
    roles: ['user'],
  },
] as const;

/** Who an anonymous request acts as under DEVELOPMENT_AUTH_ENABLED: the seed's developer. */
export const DEV_AUTH_USER = DEV_USERS[1];

export type DevUser = (typeof DEV_USERS)[number];

/** The caller a valid access token of this seed user stands for (what the router derives from it). */
export function devUserCaller(user: DevUser, issuer: string): UserCaller {
  const tenant = DEV_TENANTS.find((t) => t.id === user.tenantId);
  return userCallerFromClaims(
    {
      sub: user.id,
      tenantId: user.tenantId,
      email: user.email,
      name: user.name,
      roles: [...user.roles],
      permissions: [],
      planTier: tenant?.planTier ?? 'free',
    },
    issuer,
  );
}
