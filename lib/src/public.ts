// The operations anyone may call without a token (seed 004's public endpoints). The router lets
// an anonymous request through only when every root field it selects is listed here, and the
// auth subgraph's permission tree allows exactly these to anonymous callers.
export const PUBLIC_ROOT_FIELDS = {
  Mutation: ['login', 'refreshToken', 'register', 'requestPasswordReset'],
} as const satisfies Record<string, readonly string[]>;

export function isPublicRootField(rootType: string, field: string): boolean {
  const fields = (PUBLIC_ROOT_FIELDS as Record<string, readonly string[]>)[rootType];
  return fields?.includes(field) ?? false;
}
