/**
 * The iterator, with `cleanup` run when it is returned. A Repeater returned before its first read
 * never runs its executor, so cleanup written there alone is lost when a client leaves while its
 * subscription is still being admitted.
 */
export function endsOnReturn<T>(
  iterator: AsyncIterableIterator<T>,
  cleanup: () => unknown,
): AsyncIterableIterator<T> {
  return {
    next: () => iterator.next(),
    async return(value?: unknown) {
      await cleanup();
      return (await iterator.return?.(value)) ?? { done: true, value: undefined };
    },
    throw: (error?: unknown) => iterator.throw?.(error) ?? Promise.reject(error),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
