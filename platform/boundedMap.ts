/**
 * Maps `items` through `f` with at most `limit` calls in flight, keeping the items' order: a
 * fan-out to many Durable Objects (e.g. a search over all of a user's rooms) that must not open a
 * request to each at once.
 */
export async function boundedMap<T, R>(items: readonly T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
