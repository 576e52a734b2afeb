import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';

type Raw = Record<string, unknown>;

/** One typed attribute value as the document client reads it (numbers as numbers, sets as Sets). */
const plain = (v: AttributeValue): unknown => {
  if (v.S !== undefined) return v.S;
  if (v.N !== undefined) return Number(v.N);
  if (v.BOOL !== undefined) return v.BOOL;
  if (v.NULL !== undefined) return null;
  if (v.B !== undefined) return v.B;
  if (v.M !== undefined) return plainItem(v.M);
  if (v.L !== undefined) return v.L.map(plain);
  if (v.SS !== undefined) return new Set(v.SS);
  if (v.NS !== undefined) return new Set(v.NS.map(Number));
  if (v.BS !== undefined) return new Set(v.BS);
  return undefined;
};

const plainItem = (item: Record<string, AttributeValue>): Raw =>
  Object.fromEntries(Object.entries(item).map(([k, v]) => [k, plain(v)]));

/**
 * The item a failed condition was evaluated against, as DynamoDB returns it with
 * `ReturnValuesOnConditionCheckFailure: ALL_OLD` (the document client does not unmarshall errors):
 * classifying from it is atomic with the condition and costs no read (review F8). Undefined when
 * DynamoDB returned none (the item was missing, or an emulator without the feature): read it then.
 */
export const returnedItem = (error: unknown): Raw | undefined =>
  error instanceof ConditionalCheckFailedException && error.Item ? plainItem(error.Item) : undefined;

/** The same, for the transaction item at `index` (its cancellation reason). */
export const cancelledItem = (error: TransactionCanceledException, index: number): Raw | undefined => {
  const item = error.CancellationReasons?.[index]?.Item;
  return item ? plainItem(item) : undefined;
};
