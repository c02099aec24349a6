import { ApolloLink } from '@apollo/client';
import { map } from 'rxjs';

const HEADER = 'x-consistency-token';

/**
 * Read your writes: keeps the last consistency token the gateway returned (a write's answer, or a
 * read that carried one) and sends it with every operation, so reads of copies and cached entities
 * in this session reflect its own writes. Kept in `storage` (the tab's session) across reloads.
 */
export function consistencyLink(storage: Pick<Storage, 'getItem' | 'setItem'> | undefined) {
  let last = storage?.getItem(HEADER) ?? undefined;
  return new ApolloLink((operation, forward) => {
    if (last) {
      const token = last;
      operation.setContext(({ headers = {} }: { headers?: Record<string, string> }) => ({
        headers: { ...headers, [HEADER]: token },
      }));
    }
    return forward(operation).pipe(
      map((result) => {
        const response = operation.getContext().response as Response | undefined;
        const token = response?.headers.get(HEADER) ?? result.extensions?.consistencyToken;
        if (typeof token === 'string' && token !== '') {
          last = token;
          storage?.setItem(HEADER, token);
        }
        return result;
      }),
    );
  });
}
