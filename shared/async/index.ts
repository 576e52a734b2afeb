/**
 * Runs `fn` over `items` with at most `limit` calls in flight, and returns the results in the items'
 * order. Used where one request fans out to many AWS calls (ingress claims and writes, the console's
 * per-shard reads): unbounded, a 500-event request would open 500 sockets at once and meet throttles.
 * The first rejection rejects the whole call; calls already started run on.
 */
export const mapLimit = async <T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> => {
  const out: R[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
};
