/**
 * What a caller got: the whole answer, a degraded one (data with a null field and an error at its
 * path), or a refusal (an error instead of data, a non-200, no answer in time). A check returns
 * undefined for a complete answer, `degraded`, or `refused: <why>`.
 */
import type { Check, LoadStats } from '../harness/index.ts';

export type AnswerKind = 'complete' | 'degraded' | 'refused';

interface GraphQLAnswer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const refusal = (answer: GraphQLAnswer) =>
  `refused: ${answer.errors?.[0]?.extensions?.code ?? answer.errors?.[0]?.message.slice(0, 40) ?? 'no data'}`;

type OrderItem = { productName?: string; product?: { name?: string } | null };

/**
 * `orders(first: n) { items { … } }`: `orders` orders, each item's product name from `field`
 * (`product` through the product service, `productName` from the order's own row).
 */
export const orderItemsRead =
  (orders: number, field: 'product' | 'productName'): Check =>
  (body) => {
    const answer = JSON.parse(body) as GraphQLAnswer;
    const list = (answer.data?.orders ?? undefined) as { items: OrderItem[] }[] | undefined;
    if (list?.length !== orders) return refusal(answer);
    const named = list.every((order) =>
      order.items.every((item) =>
        field === 'product' ? typeof item.product?.name === 'string' : typeof item.productName === 'string',
      ),
    );
    if (named && !answer.errors?.length) return undefined;
    return answer.errors?.length ? 'degraded' : 'incomplete without an error';
  };

type Ride = { driverName?: string | null; driver?: { name?: string } | null };

/**
 * `rides(first: n) { driverName driver { name … } }`, the hybrid read: complete with every ride's
 * own driverName and its live driver (the same name); degraded when the details are null with an
 * error at their path while every local driverName is still there.
 */
export const ridesRead =
  (rides: number): Check =>
  (body) => {
    const answer = JSON.parse(body) as GraphQLAnswer;
    const list = (answer.data?.rides ?? undefined) as Ride[] | undefined;
    if (list?.length !== rides || list.some((ride) => !ride.driverName)) return refusal(answer);
    if (list.every((ride) => ride.driver?.name === ride.driverName) && !answer.errors?.length)
      return undefined;
    return answer.errors?.length ? 'degraded' : 'incomplete without an error';
  };

/** `renameProduct { id }`: renamed, or refused with the error's code. */
export const renamed: Check = (body) => {
  const answer = JSON.parse(body) as GraphQLAnswer;
  return answer.data?.renameProduct && !answer.errors?.length ? undefined : refusal(answer);
};

/** Answers of a load by kind: complete = what the check passed, degraded = `degraded`, the rest refused. */
export function answerKinds(stats: LoadStats): Record<AnswerKind, number> {
  const degraded = stats.problems.degraded ?? 0;
  return { complete: stats.ok, degraded, refused: stats.requests - stats.ok - degraded };
}
