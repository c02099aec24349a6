/**
 * What a caller got, from each answer: the whole answer, a degraded one (data with a null field and
 * an error at its path), or a refusal (an error instead of data, a non-200, no answer in time). A
 * check returns undefined for a complete answer, `degraded`, or `refused: <why>`.
 */
import type { Check, LoadStats } from './harness/index.ts';

export type AnswerKind = 'complete' | 'degraded' | 'refused';

interface GraphQLAnswer {
  // biome-ignore lint/suspicious/noExplicitAny: a check reads the rows it asked for
  data?: Record<string, any[] | undefined> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}
/** A row of an answer, as a check reads it. */
// biome-ignore lint/suspicious/noExplicitAny: a check reads the fields it asked for
export type Row = any;

const refusal = (answer: GraphQLAnswer) =>
  `refused: ${answer.errors?.[0]?.extensions?.code ?? answer.errors?.[0]?.message.slice(0, 40) ?? 'no data'}`;

/**
 * `rows` rows under `field`, each with what it must hold without a call to another service
 * (`present`; else the answer is refused) and complete (`complete`; else, with an error, degraded).
 */
export const listRead =
  (field: string, rows: number, complete: (row: Row) => boolean, present = (_: Row) => true): Check =>
  (body) => {
    const answer = JSON.parse(body) as GraphQLAnswer;
    const list = answer.data?.[field];
    if (list?.length !== rows || !list.every(present)) return refusal(answer);
    if (list.every(complete) && !answer.errors?.length) return undefined;
    return answer.errors?.length ? 'degraded' : 'incomplete without an error';
  };

/** Every item of an order has its product's name and stock (the 3-hop read). */
export const withProductAndStock = (order: Row) =>
  order.items.every((item: Row) => typeof item.product?.name === 'string' && item.product.stock != null);

/** A mutation's `field` answered without an error, or refused with the error's code. */
export const answered =
  (field: string): Check =>
  (body) => {
    const answer = JSON.parse(body) as GraphQLAnswer;
    return answer.data?.[field] && !answer.errors?.length ? undefined : refusal(answer);
  };

/** Answers of a load by kind: complete = what the check passed, degraded = `degraded`, the rest refused. */
export function answerKinds(stats: LoadStats): Record<AnswerKind, number> {
  const degraded = stats.problems.degraded ?? 0;
  return { complete: stats.ok, degraded, refused: stats.requests - stats.ok - degraded };
}
