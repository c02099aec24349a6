import { readSdl, type ServiceName } from '@msd/registry';
import { type DocumentNode, parse } from 'graphql';

/**
 * A service's whole SDL: its `schema.graphql` (the source of truth for its API) with the shared
 * fragments the registry says it carries (`sdlFiles`).
 */
export function loadTypeDefs(service: ServiceName): DocumentNode {
  return parse(readSdl(service));
}
