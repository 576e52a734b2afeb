import type { Static, TSchema } from 'typebox';
import { Check } from 'typebox/schema';

/**
 * The value as `schema`'s type, or undefined when it does not match (read models skip such items).
 * TypeBox's JSON Schema checker (`typebox/schema`, ~48 KB in a bundle): for values without a catalog
 * schema (a looked-up event's data, the payment provider's ledger rows, read models). A service's own
 * state items are checked by `readState` with the validators Spine generates from the catalog, so
 * the functions that need nothing else do not bundle this; it lives apart from `items.ts` because
 * importing `typebox/schema` at all keeps its format tables in a bundle.
 */
export const parseState = <S extends TSchema>(schema: S, item: unknown): Static<S> | undefined =>
  Check(schema, item) ? item : undefined;
