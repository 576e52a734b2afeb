/**
 * The fewest read units AWS bills for a read request, whatever it finds: "If you perform a read
 * operation on an item that doesn't exist, DynamoDB will still consume read throughput", and a Query
 * or Scan is billed even when no data exists
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html).
 * DynamoDB Local reports 0 units for a read that finds nothing (an empty outbox Query, the first
 * checkpoint read of a shard), so the meter bills at least this. Per item requested: 1 unit strongly
 * consistent, 0.5 eventually consistent, 2 transactional; per Query or Scan call: one item's worth.
 */
type Wire = Record<string, unknown>;

const asRecord = (value: unknown): Wire =>
  typeof value === 'object' && value !== null ? (value as Wire) : {};

const perItem = (consistent: unknown): number => (consistent === true ? 1 : 0.5);

export const readUnitsFloor = (op: string, body: Wire): number => {
  switch (op) {
    case 'GetItem':
    case 'Query':
    case 'Scan':
      return perItem(body.ConsistentRead);
    case 'BatchGetItem':
      return Object.values(asRecord(body.RequestItems)).reduce((n: number, request) => {
        const r = asRecord(request);
        return n + (Array.isArray(r.Keys) ? r.Keys.length : 0) * perItem(r.ConsistentRead);
      }, 0);
    case 'TransactGetItems':
      return 2 * (Array.isArray(body.TransactItems) ? body.TransactItems.length : 0);
    default:
      return 0;
  }
};
