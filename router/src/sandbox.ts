// What Apollo Sandbox opens with in development: an example operation and the headers to send,
// with the place to paste the access token `npm start` prints. Sandbox reads the schema by
// introspecting this router, so it always shows the supergraph the router serves.
import type { ApolloServerPluginLandingPageLocalDefaultOptions } from '@apollo/server/plugin/landingPage/default';

export const SANDBOX_TOKEN_PLACEHOLDER = '<paste the accessToken that `npm start` printed>';

export const SANDBOX_DOCUMENT = `# Welcome to the EventZR supergraph.
# 1. Paste the access token \`npm start\` printed into the Authorization header below
#    (Headers tab), replacing ${SANDBOX_TOKEN_PLACEHOLDER}.
#    A new one: remove that header and run the Login mutation at the end of this document.
# 2. Run Me, then Jobs. The Schema tab lists everything else; registered client operations
#    are in schema/operations/ of the repository.

query Me {
  me {
    id
    email
    name
    roles
    tenant {
      id
      name
      planTier
      jobQuota {
        limit
        used
        remaining
      }
    }
  }
}

query Jobs($first: Int, $after: String, $filter: JobFilter) {
  jobs(first: $first, after: $after, filter: $filter) {
    totalCount
    edges {
      cursor
      node {
        id
        type
        status
        priority
        createdAt
        createdBy {
          email
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}

mutation Login($email: String!, $password: String!) {
  login(input: { email: $email, password: $password }) {
    accessToken
    expiresIn
  }
}
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
