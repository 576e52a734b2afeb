import { accessOf } from './actions';
import { grantReaches, grantsOf } from './grants';
import { asArray, isRecord, render, type TemplateJson } from './template';

/**
 * The partition key patterns a principal may reach in one table (`dynamodb:LeadingKeys`): `any` with
 * any item action, `read` with read actions only (GetItem, BatchGetItem, Query...).
 */
export interface TableKeys {
  readonly any: ReadonlySet<string>;
  readonly read?: ReadonlySet<string>;
}

/** Principal -> table -> the keys it may reach there. */
export type LeadingKeyModel = ReadonlyMap<string, ReadonlyMap<string, TableKeys>>;

// Operators under which LeadingKeys narrows every key of the request. A plain StringLike on a multivalued
// key, or ForAnyValue, lets a request through when one of its keys matches.
const NARROWING = ['ForAllValues:StringLike', 'ForAllValues:StringEquals'];

/** The LeadingKeys patterns a statement's condition allows, or undefined when it does not narrow keys. */
const leadingKeysOf = (condition: Readonly<Record<string, unknown>> | undefined): string[] | undefined => {
  if (!condition) return undefined;
  const found = NARROWING.flatMap((op) => {
    const block = condition[op];
    return isRecord(block) && block['dynamodb:LeadingKeys'] !== undefined
      ? [asArray(block['dynamodb:LeadingKeys']).map(render)]
      : [];
  });
  return found.length === 0 ? undefined : found.flat();
};

/**
 * On shared tables, every item action (read or write) a principal has must be narrowed to its own
 * partition keys: a statement without a LeadingKeys condition, or with a pattern outside `model`, lets
 * one service read or move another's checkpoints, outbox or parked events. `DescribeTable` names no item.
 */
export const leadingKeyFindings = (t: TemplateJson, model: LeadingKeyModel): string[] =>
  [...model].flatMap(([principal, tables]) =>
    grantsOf(t)
      .filter((g) => g.principal === principal)
      .flatMap((g) =>
        [...tables].flatMap(([table, allowed]) => {
          if (!grantReaches(t, g, table, 'dynamodb')) return [];
          const items = g.actions.filter(
            (a) => a.toLowerCase() !== 'dynamodb:describetable' && accessOf(a) !== 'admin',
          );
          const wild = g.actions.filter((a) => /^(\*|dynamodb:.*\*.*)$/i.test(a));
          const reached = [...items, ...wild.filter((a) => !items.includes(a))];
          if (reached.length === 0) return [];
          const keys = leadingKeysOf(g.condition);
          if (!keys)
            return [
              `${principal} may ${reached.join(', ')} on table ${table} for any partition key (${g.policy})`,
            ];
          const readsOnly = reached.every((a) => accessOf(a) === 'read');
          const fits = (k: string) => allowed.any.has(k) || (readsOnly && (allowed.read?.has(k) ?? false));
          return keys
            .filter((k) => !fits(k))
            .map((k) => `${principal} may reach partition keys ${k} of table ${table} (${g.policy})`);
        }),
      ),
  );
