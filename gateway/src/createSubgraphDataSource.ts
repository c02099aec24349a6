import { type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { type Logger, SERVICE_TOKEN_HEADER } from '@msd/service-kit';

/**
 * The gateway's client for one subgraph. Every request carries the service credential (clients
 * never see it). When the subgraph cannot be reached, the failure is answered as GraphQL errors
 * instead of thrown: for an entity fetch, one error per representation with the path
 * `_entities.<i>`, which the gateway rewrites to the client's path (`rides.3.driver`). So only
 * the fields that service owns become null, each with an error naming the service, and the rest
 * of the answer stands.
 */
export function createSubgraphDataSource(name: string, url: string, token: string, logger: Logger) {
  return new (class extends RemoteGraphQLDataSource {
    override async process(options: GraphQLDataSourceProcessOptions): Promise<GatewayGraphQLResponse> {
      try {
        return await super.process(options);
      } catch (error) {
        logger.warn('subgraph request failed', { subgraph: name, error });
        const failure = {
          message: `The ${name} service is unavailable`,
          extensions: { code: 'SERVICE_UNAVAILABLE', service: name },
        };
        const representations = options.request.variables?.representations;
        return {
          errors: Array.isArray(representations)
            ? representations.map((_, index) => ({ ...failure, path: ['_entities', index] }))
            : [failure],
        };
      }
    }
  })({
    url,
    willSendRequest({ request }) {
      request.http?.headers.set(SERVICE_TOKEN_HEADER, token);
    },
  });
}
