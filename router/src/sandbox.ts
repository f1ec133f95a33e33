// What Apollo Sandbox opens with in development: example operations and the headers to send,
// with the place to paste the access token `npm start` prints. Sandbox reads the schema by
// introspecting this router, so it always shows the supergraph the router serves.
import type { ApolloServerPluginLandingPageLocalDefaultOptions } from '@apollo/server/plugin/landingPage/default';
import { registeredOperation } from '@eventzr/lib/operations';

export const SANDBOX_TOKEN_PLACEHOLDER = '<paste the accessToken that `npm start` printed>';

/** The registered web operations Sandbox opens with (schema/operations/eventzr-web.graphql), in order. */
export const SANDBOX_OPERATIONS = ['Me', 'Jobs', 'Login'] as const;

/**
 * The document Sandbox opens with: a few of the web app's registered operations, as the app sends
 * them (the operation registry, never a copy kept here), after a note on where to paste the token.
 */
export const SANDBOX_DOCUMENT = `# Welcome to the EventZR supergraph.
# 1. Paste the access token \`npm start\` printed into the Authorization header below
#    (Headers tab), replacing ${SANDBOX_TOKEN_PLACEHOLDER}.
#    A new one: remove that header and run the Login mutation at the end of this document.
# 2. Run Me, then Jobs. The Schema tab lists everything else; every registered client operation
#    is in schema/operations/ of the repository.

${SANDBOX_OPERATIONS.map((name) => registeredOperation(name, 'eventzr-web')).join('\n\n')}
`;

/** `devLogin`: the seeded development account, pre-filled for Login; never in production. */
export function sandboxOptions(devLogin?: {
  email: string;
  password: string;
}): ApolloServerPluginLandingPageLocalDefaultOptions {
  return {
    embed: true,
    includeCookies: false,
    footer: false,
    document: SANDBOX_DOCUMENT,
    variables: { first: 10, ...(devLogin ? { email: devLogin.email, password: devLogin.password } : {}) },
    headers: { Authorization: `Bearer ${SANDBOX_TOKEN_PLACEHOLDER}` },
  };
}
