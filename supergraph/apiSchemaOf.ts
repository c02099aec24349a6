import { Supergraph } from '@apollo/federation-internals';
import type { GraphQLSchema } from 'graphql';

/**
 * The API schema of a supergraph: what clients can query, without the join__ machinery and
 * without `@inaccessible` elements (the coordinator protocol). `supportedFeatures: null` because
 * this only reads the schema; enforcing `for: SECURITY` features is the gateway's job. With `@defer`:
 * our gateway answers it (gateway/src/incremental), so client operations may use it.
 */
export function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  return Supergraph.build(supergraphSdl, { supportedFeatures: null })
    .apiSchema()
    .toGraphQLJSSchema({ includeDefer: true });
}
