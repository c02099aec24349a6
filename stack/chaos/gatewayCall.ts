import { developmentToken } from '@msd/service-kit';

/**
 * One GraphQL call through the gateway as the operator (who may do everything the load does), with a
 * deadline: a paused service must not stall the load.
 */
export async function gatewayCall(
  gatewayUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data?: Record<string, unknown> | null; errors?: { message: string }[] }> {
  const response = await fetch(gatewayUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${await developmentToken('operator')}`,
    },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(15_000),
  });
  return (await response.json()) as { data?: Record<string, unknown> | null; errors?: { message: string }[] };
}
