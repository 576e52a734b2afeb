import type { ConditionTest, UpdateClause } from './state-ops-plan';

/** Expression parts of one DynamoDB write; the name and value maps are absent when empty, as DynamoDB requires. */
export interface Expressions {
  readonly UpdateExpression?: string;
  readonly ConditionExpression?: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
}

const OPERATORS = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' } as const;

/**
 * Translates a plan into DynamoDB expressions. Every attribute name becomes a generated placeholder
 * (`#a0`, `#a1`, ...) and every value one too (`:v0`, ...): a name from data can never change the
 * expression, and reserved words (`name`, `status`, `count`) need no care from the handler.
 */
export const toExpressions = (clauses: readonly UpdateClause[], condition?: ConditionTest): Expressions => {
  const names: Record<string, string> = {};
  const placeholders = new Map<string, string>();
  const values: Record<string, unknown> = {};
  const name = (attr: string): string => {
    let placeholder = placeholders.get(attr);
    if (placeholder === undefined) {
      placeholder = `#a${placeholders.size}`;
      placeholders.set(attr, placeholder);
      names[placeholder] = attr;
    }
    return placeholder;
  };
  const value = (v: unknown): string => {
    const placeholder = `:v${Object.keys(values).length}`;
    values[placeholder] = v;
    return placeholder;
  };

  const sets: string[] = [];
  const adds: string[] = [];
  const removes: string[] = [];
  for (const c of clauses) {
    const n = name(c.attr);
    if (c.kind === 'set') sets.push(`${n} = ${value(c.value)}`);
    else if (c.kind === 'setIfAbsent') sets.push(`${n} = if_not_exists(${n}, ${value(c.value)})`);
    else if (c.kind === 'append')
      sets.push(`${n} = list_append(if_not_exists(${n}, ${value([])}), ${value(c.value)})`);
    else if (c.kind === 'add') adds.push(`${n} ${value(c.value)}`);
    else removes.push(n);
  }
  const update = [
    sets.length > 0 ? `SET ${sets.join(', ')}` : '',
    adds.length > 0 ? `ADD ${adds.join(', ')}` : '',
    removes.length > 0 ? `REMOVE ${removes.join(', ')}` : '',
  ]
    .filter((part) => part !== '')
    .join(' ');

  const test = (t: ConditionTest): string => {
    switch (t.kind) {
      case 'and':
      case 'or':
        return `(${t.of.map(test).join(t.kind === 'and' ? ' AND ' : ' OR ')})`;
      case 'not':
        return `(NOT ${test(t.of)})`;
      case 'exists':
        return `${t.exists ? 'attribute_exists' : 'attribute_not_exists'}(${name(t.attr)})`;
      case 'compare':
        return `${name(t.attr)} ${OPERATORS[t.op]} ${value(t.value)}`;
      case 'beginsWith':
        return `begins_with(${name(t.attr)}, ${value(t.value)})`;
      case 'size':
        return `size(${name(t.attr)}) ${OPERATORS[t.op]} ${value(t.value)}`;
    }
  };
  const conditionExpression = condition && test(condition);

  return {
    ...(update !== '' && { UpdateExpression: update }),
    ...(conditionExpression !== undefined && { ConditionExpression: conditionExpression }),
    ...(placeholders.size > 0 && { ExpressionAttributeNames: names }),
    ...(Object.keys(values).length > 0 && { ExpressionAttributeValues: values }),
  };
};

/** DynamoDB's cap on one expression string, in bytes (developer guide, "Expression parameters"). */
export const MAX_EXPRESSION_BYTES = 4096;
/** DynamoDB's cap on operators and functions in one UpdateExpression or ConditionExpression. */
export const MAX_EXPRESSION_OPERATORS = 300;

/** Comparators, arithmetic, logic words and function calls, each counted once. */
const OPERATOR = /<>|<=|>=|[=<>+-]|\b[a-z_]+\(|\b(?:AND|OR|NOT|BETWEEN|IN)\b/g;

/**
 * True when the write `clauses` and `condition` render to stays within DynamoDB's expression limits.
 * Counted conservatively (the documentation does not say which tokens count): the update and the
 * condition together against each cap, and every ADD and REMOVE action as one operator more.
 */
export const withinExpressionLimits = (
  clauses: readonly UpdateClause[],
  condition?: ConditionTest,
): boolean => {
  const { UpdateExpression = '', ConditionExpression = '' } = toExpressions(clauses, condition);
  const text = `${UpdateExpression} ${ConditionExpression}`;
  const actions = clauses.filter((c) => c.kind === 'add' || c.kind === 'remove').length;
  const operators = (text.match(OPERATOR) ?? []).length + actions;
  return Buffer.byteLength(text) <= MAX_EXPRESSION_BYTES && operators <= MAX_EXPRESSION_OPERATORS;
};
