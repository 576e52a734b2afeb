/**
 * Typed state operations: what a handler asks of one item, as data instead of DynamoDB expression
 * strings. The DynamoDB store translates them with generated placeholders (`#a0`, `:v0`), so an
 * attribute name is never spliced into an expression; the memory store applies them with DynamoDB's
 * semantics (state-ops-memory.ts). Top-level attributes only: a nested path is one attribute name.
 */

/** A state item: free-form attributes plus the table's string partition key `pk`. */
export type StateItem = { readonly pk: string } & Record<string, unknown>;

/** Attributes a write may change: every top-level attribute but the key `pk`. */
export type StateAttr<T> = Exclude<keyof T & string, 'pk'>;

/** The stored type of attribute `K` (a missing attribute is `undefined`, never a stored value). */
export type AttrValue<T, K> = K extends keyof T ? Exclude<T[K], undefined> : never;

type NumberAttr<T> = {
  [K in StateAttr<T>]-?: number extends AttrValue<T, K> ? K : AttrValue<T, K> extends number ? K : never;
}[StateAttr<T>];

type ListAttr<T> = {
  [K in StateAttr<T>]-?: unknown extends AttrValue<T, K>
    ? K
    : AttrValue<T, K> extends readonly unknown[]
      ? K
      : never;
}[StateAttr<T>];

type OptionalAttr<T> = {
  [K in StateAttr<T>]-?: string extends K ? K : undefined extends T[K] ? K : never;
}[StateAttr<T>];

type ElementOf<V> = V extends readonly (infer E)[] ? E : unknown;

/**
 * One update of one item. Every clause reads the item as it was before the update, and an attribute
 * may appear in one clause only (DynamoDB refuses overlapping paths; so does the memory store). An
 * update of a missing item creates it with its `pk` (an upsert), as DynamoDB's UpdateItem does.
 */
export interface StateUpdate<T = StateItem> {
  /** Attribute values to write. */
  readonly set?: { readonly [K in StateAttr<T>]?: AttrValue<T, K> };
  /** Values written only where the attribute is missing (`if_not_exists`). */
  readonly setIfAbsent?: { readonly [K in StateAttr<T>]?: AttrValue<T, K> };
  /** Numbers added to numeric attributes; a missing attribute counts as 0. */
  readonly add?: { readonly [K in NumberAttr<T>]?: number };
  /** Elements appended to list attributes; a missing attribute counts as an empty list. */
  readonly append?: { readonly [K in ListAttr<T>]?: readonly ElementOf<AttrValue<T, K>>[] };
  /** Attributes to remove; the item type must allow them to be absent. */
  readonly remove?: readonly OptionalAttr<T>[];
}

type Ordered<V> = unknown extends V ? string | number : Extract<V, string | number>;

/** Comparisons of a number (`size`). Several keys in one test must all hold. */
export interface NumberTest {
  readonly eq?: number;
  readonly ne?: number;
  readonly lt?: number;
  readonly le?: number;
  readonly gt?: number;
  readonly ge?: number;
}

/**
 * Tests of one attribute; several keys must all hold. Comparisons of a missing attribute are false
 * (`ne` too), and `lt/le/gt/ge` compare numbers by value and strings by their UTF-8 bytes, as DynamoDB does.
 */
export interface AttrTest<V> {
  readonly exists?: boolean;
  readonly eq?: V;
  readonly ne?: V;
  readonly lt?: Ordered<V>;
  readonly le?: Ordered<V>;
  readonly gt?: Ordered<V>;
  readonly ge?: Ordered<V>;
  /** The attribute is a string starting with this prefix. */
  readonly beginsWith?: string;
  /** Length of a string (UTF-8 bytes), list or map, compared as a number. */
  readonly size?: NumberTest;
}

/** Attribute tests by attribute name (the key `pk` included), all of which must hold. */
export type AttrConditions<T> = { readonly [K in keyof T & string]?: AttrTest<AttrValue<T, K>> };

/**
 * A condition on the item as stored before the write: attribute tests, or `$and` / `$or` / `$not` of
 * conditions. A write whose condition fails cancels the event's whole commit, which the runtime counts
 * as a failed attempt of the event (retried, then parked), exactly as a failed DynamoDB condition.
 *
 * @example
 * { pk: { exists: false } }                                   // create only
 * { $or: [{ status: { eq: 'open' } }, { status: { exists: false } }] }
 */
export type Condition<T = StateItem> =
  | AttrConditions<T>
  | { readonly $and: readonly Condition<T>[] }
  | { readonly $or: readonly Condition<T>[] }
  | { readonly $not: Condition<T> };

/** Options of a state write. */
export interface WriteOptions<T = StateItem> {
  /** The write happens only if this holds for the stored item (a missing item has no attributes). */
  readonly if?: Condition<T>;
}

/** An item as stored: its key, and whatever attributes its writes left (updates may create partial items). */
export type StoredItem<T> = { readonly pk: string } & Partial<Omit<T, 'pk'>>;
