import { readFileSync } from 'node:fs';
import type { ApolloServerPlugin } from '@apollo/server';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import { GraphQLError } from 'graphql';
import type { AccessContext } from './access/enforceAccess.ts';
import type { IncrementalContext } from './incremental/incrementalDelivery.ts';

export interface TrustedDocumentsConfig {
  /** The manifest: sha256 hash → document, as the web client's build extracts it. */
  manifest: Readonly<Record<string, string>>;
  /** Refuse operations that are not in the manifest (except for `bypassScope`). */
  enforce: boolean;
  /** Callers with this scope may run any operation (an operator exploring in Sandbox). */
  bypassScope: string;
}

/** The manifest by bare sha256 hex (GraphQL Code Generator writes `sha256:<hex>` keys), as Apollo's protocol sends it. */
export function readManifest(file: string): Record<string, string> {
  const entries = Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>);
  return Object.fromEntries(entries.map(([hash, document]) => [hash.replace(/^sha256:/, ''), document]));
}

/**
 * Trusted documents (persisted documents sent by hash). Apollo Server's persisted-query protocol
 * does the lookup; this gives it a read-only store that is the manifest, so a hash resolves only to
 * a registered document (unknown: `PERSISTED_QUERY_NOT_FOUND`) and nothing a client sends is ever
 * registered (APQ's register-on-miss would let any caller add documents).
 */
export function trustedDocumentStore(config: TrustedDocumentsConfig): KeyValueCache<string> {
  return {
    // Apollo Server prefixes its keys (`apq:`); the manifest's keys are the bare hashes.
    async get(key) {
      const hash = key.slice(key.indexOf(':') + 1);
      return Object.hasOwn(config.manifest, hash) ? config.manifest[hash] : undefined;
    },
    async set() {},
    async delete() {},
  };
}

/**
 * When enforcing, an operation that is not a registered document (by its sha256, whether sent by
 * hash or in full) is refused before planning with `PERSISTED_QUERY_NOT_IN_LIST` (HTTP 400),
 * unless the caller has the bypass scope. Not enforcing (outside production), any operation runs.
 */
export function trustedDocuments(
  config: TrustedDocumentsConfig,
): ApolloServerPlugin<AccessContext & IncrementalContext> {
  return {
    async requestDidStart() {
      if (!config.enforce) return;
      return {
        async didResolveOperation({ queryHash, contextValue }) {
          // The parts of a @defer request are judged by the document the client sent.
          const hash = contextValue.incremental?.documentHash ?? queryHash;
          if (hash && Object.hasOwn(config.manifest, hash)) return;
          if (contextValue.caller.scopes.includes(config.bypassScope)) return;
          throw new GraphQLError(
            'This gateway runs registered operations only: send a persisted document by its hash',
            { extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST', http: { status: 400 } } },
          );
        },
      };
    },
  };
}
