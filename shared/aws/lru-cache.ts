/**
 * Stands in for `mnemonist/lru-cache` in Lambda bundles (SpineFunction aliases it, see
 * `infra/constructs/spine-bundling.ts`). Its only user there is the DynamoDB client's endpoint
 * discovery cache (`@aws-sdk/endpoint-cache`: get, peek, has, set, clear), created with every client
 * even though discovery is off by default; mnemonist's typed-array LRU brings about 7 KB. A `Map` keeps
 * insertion order, which is all an LRU needs at the cache's size (1,000 entries by default).
 */
export default class LRUCache<K, V> {
  // Boxed, so a stored `undefined` is told apart from a missing key without a cast.
  private readonly items = new Map<K, { readonly value: V }>();

  constructor(readonly capacity: number) {
    // As mnemonist: a cache that can hold nothing is a caller's mistake, not an empty cache.
    if (!Number.isInteger(capacity) || capacity <= 0)
      throw new RangeError(`LRUCache: capacity should be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.items.size;
  }

  has(key: K): boolean {
    return this.items.has(key);
  }

  /** The value without making it the most recently used one. */
  peek(key: K): V | undefined {
    return this.items.get(key)?.value;
  }

  get(key: K): V | undefined {
    const entry = this.items.get(key);
    if (!entry) return undefined;
    this.items.delete(key);
    this.items.set(key, entry);
    return entry.value;
  }

  set(key: K, value: V): this {
    this.items.delete(key);
    this.items.set(key, { value });
    if (this.items.size > this.capacity) {
      const oldest = this.items.keys().next();
      if (!oldest.done) this.items.delete(oldest.value);
    }
    return this;
  }

  clear(): void {
    this.items.clear();
  }
}
