import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { type DocumentNode, OperationTypeNode } from 'graphql';
import { consistencyLink } from './consistencyLink.ts';
import { subscriptionLink } from './subscriptionLink.ts';

/**
 * The app's Apollo Client: every operation goes to the gateway as a trusted document, by the hash
 * that codegen recorded in persisted-documents.json, never as text (no retry with the full
 * document: the gateway runs registered operations only). The caller's token rides on every request,
 * and so does the session's consistency token (read your writes). Queries and mutations go over
 * HTTP; subscriptions share one graphql-ws socket (`subscriptionLink.ts`).
 */
export function createClient(gatewayUrl: string, token: () => string | undefined) {
  const persisted = new PersistedQueryLink({
    generateHash: (document: DocumentNode) => {
      const hash = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
      if (!hash) throw new Error('An operation without a registered hash: run `npm run codegen -w @msd/web`');
      return hash.replace(/^sha256:/, '');
    },
    retry: () => false,
  });
  const auth = new ApolloLink((operation, forward) => {
    const current = token();
    if (current) operation.setContext({ headers: { authorization: `Bearer ${current}` } });
    return forward(operation);
  });
  return new ApolloClient({
    link: ApolloLink.from([
      auth,
      consistencyLink(typeof sessionStorage === 'undefined' ? undefined : sessionStorage),
      persisted,
      ApolloLink.split(
        ({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION,
        subscriptionLink(gatewayUrl, token),
        new HttpLink({ uri: gatewayUrl }),
      ),
    ]),
    cache: new InMemoryCache(),
    // @defer as the gateway answers it: multipart/mixed, deferSpec=20220824 (HttpLink asks for it).
    incrementalHandler: new Defer20220824Handler(),
  });
}
