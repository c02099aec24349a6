import { readFileSync } from 'node:fs';
import { type DocumentNode, parse } from 'graphql';

/** Reads a service's `schema.graphql`: the SDL file is the source of truth for its API. */
export function loadTypeDefs(file: URL): DocumentNode {
  return parse(readFileSync(file, 'utf8'));
}
