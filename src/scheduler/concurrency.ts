/** Run `fn` over `items` with at most `limit` calls in flight; resolves when all have settled (never rejects). */
export async function forEachConcurrent<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch {
        // The caller's fn logs its own failures; one bad item must not stop the others.
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}
