import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { type Client, createClient } from 'graphql-ws';

/**
 * Subscriptions over one graphql-ws socket (the gateway's `ws://…/graphql`), however many are open: a
 * browser gives a host six HTTP/1.1 connections, and a multipart subscription holds one for its whole
 * life, so a page following a dozen products over multipart HTTP would leave none for its queries.
 * An operation the PersistedQueryLink gave a hash goes by that hash alone, never as text, as over HTTP.
 * The socket opens at the first subscription with the caller's token (`connection_init`) and closes
 * after the last; a subscription under another token (signed in again) gets a socket of its own.
 */
export function subscriptionLink(gatewayUrl: string, token: () => string | undefined): GraphQLWsLink {
  const url = gatewayUrl.replace(/^http/, 'ws');
  let socket: { token: string | undefined; client: Client } | undefined;
  const current = (): Client => {
    const bearer = token();
    if (!socket || socket.token !== bearer) {
      void socket?.client.dispose();
      const connectionParams = bearer ? { authorization: `Bearer ${bearer}` } : {};
      socket = { token: bearer, client: createClient({ url, connectionParams }) };
    }
    return socket.client;
  };
  const byHash: Client = {
    subscribe: (payload, sink) =>
      current().subscribe(
        { ...payload, query: payload.extensions?.persistedQuery ? '' : payload.query },
        sink,
      ),
    iterate: (payload) => current().iterate(payload),
    on: (event, listener) => current().on(event, listener),
    dispose: () => socket?.client.dispose(),
    terminate: () => socket?.client.terminate(),
  };
  return new GraphQLWsLink(byHash);
}
