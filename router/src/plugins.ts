// The router's Apollo Server plugins (layer-1 authorization is operation.ts's): the response
// finishing every GraphQL answer gets (meta, request id on errors, HTTP status).
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode, httpStatusOf, maskError } from '@eventzr/lib/errors';
import type { Logger } from '@eventzr/lib/logger';
import { responseMeta, type RouterContext } from './context.ts';

const PLATFORM_CODES = new Set<string>(Object.values(ErrorCode));

/** Adds extensions.meta and the request id to every answer, and the status GraphQL-over-HTTP asks for. */
export function responseFinishing(log: Logger): ApolloServerPlugin<RouterContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const err of errors) {
            // Subgraph failures were logged with their details where they happened (SubgraphDataSource).
            if (isClientFacing(err.extensions?.code) || typeof err.extensions?.serviceName === 'string') continue;
            log.error(
              { requestId: contextValue.requestId, err: err.originalError ?? err, path: err.path },
              'operation failed',
            );
          }
        },
        async willSendResponse({ response, contextValue }) {
          const meta = responseMeta(contextValue, contextValue.caller);
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, meta };
          if (!result.errors?.length) return;
          result.errors = result.errors.map((e): GraphQLFormattedError => ({
            ...e,
            extensions: { ...e.extensions, requestId: contextValue.requestId },
          }));
          // A refusal of the whole operation (no data at all) answers with its status: 401 / 403.
          const status = httpStatusOf[String(result.errors[0]?.extensions?.code)];
          const current = response.http.status;
          if (status && result.data == null && (current === undefined || current === 200))
            response.http.status = status;
          if (response.http.status === 401) response.http.headers.set('www-authenticate', 'Bearer realm="eventzr"');
        },
      };
    },
  };
}

/** Platform codes and Apollo's own request errors: an answer to the client, not a fault to log. */
function isClientFacing(code: unknown): boolean {
  if (typeof code !== 'string') return false;
  if (PLATFORM_CODES.has(code)) return code !== ErrorCode.INTERNAL_SERVER_ERROR;
  return (
    code === 'GRAPHQL_PARSE_FAILED' ||
    code === 'GRAPHQL_VALIDATION_FAILED' ||
    code === 'BAD_REQUEST' ||
    code === 'OPERATION_RESOLUTION_FAILURE' ||
    code === 'PERSISTED_QUERY_NOT_SUPPORTED' ||
    code === 'PERSISTED_QUERY_NOT_FOUND'
  );
}

/**
 * formatError for the router. Errors that came from a subgraph (the gateway tags them with
 * serviceName) were already reduced to platform codes by SubgraphDataSource; their
 * `originalError` is the subgraph's JSON, which maskError would otherwise take for a foreign
 * exception. Everything else is masked as usual. serviceName never reaches the client.
 */
export function formatRouterError(production: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const ext = formatted.extensions;
    if (ext && typeof ext.serviceName === 'string') {
      const { serviceName: _s, ...rest } = ext;
      return maskError({ ...formatted, extensions: rest }, undefined, { production });
    }
    return maskError(formatted, error, { production });
  };
}
