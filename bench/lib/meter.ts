import type {
  DynamoDBClient,
  ServiceInputTypes as DynamoInput,
  ServiceOutputTypes as DynamoOutput,
} from '@aws-sdk/client-dynamodb';
import type {
  KinesisClient,
  ServiceInputTypes as KinesisInput,
  ServiceOutputTypes as KinesisOutput,
} from '@aws-sdk/client-kinesis';
import type { BuildMiddleware } from '@smithy/types';
import { itemSize, valueSize, writeUnits } from './item-size';
import { readUnitsFloor } from './read-floor';

/**
 * Counts what a client does on the wire, so runtime code needs no change: a build-step middleware
 * sees every request (also those sent through a DocumentClient, which shares the stack). DynamoDB
 * requests get `ReturnConsumedCapacity: TOTAL` added to their JSON body; units come from the
 * responses, except where DynamoDB Local does not report what AWS bills (see `item-size.ts`).
 */
export interface OpCount {
  calls: number;
  /** Write units as AWS bills them (reported, or computed where Local under-reports). */
  wcu: number;
  rcu: number;
  /** What DynamoDB Local itself reported, for the record. */
  wcuReportedByLocal: number;
  /** Calls whose units were computed from item sizes instead of taken from the response. */
  computed: number;
  failedConditions: number;
}

/** Per operation, and units per table (a transaction's units are split over its tables). */
export interface Counts {
  readonly ops: Record<string, OpCount>;
  readonly tables: Record<string, { wcu: number; rcu: number }>;
}

// Type-only: @smithy/types is the SDK's own type package (a dependency of every @aws-sdk client).
type DynamoMiddleware = BuildMiddleware<DynamoInput, DynamoOutput>;
type KinesisMiddleware = BuildMiddleware<KinesisInput, KinesisOutput>;
type WireRequest = { headers: Record<string, string>; body: unknown };
type Wire = Record<string, unknown>;

const isWireRequest = (value: unknown): value is WireRequest =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { headers?: unknown }).headers === 'object' &&
  'body' in value;

/** The serialized JSON body; recent SDKs hand it over as bytes, older ones as a string. */
const bodyOf = (request: WireRequest): Wire => {
  const raw = request.body;
  const text =
    typeof raw === 'string' ? raw : raw instanceof Uint8Array ? new TextDecoder().decode(raw) : '{}';
  return asRecord(JSON.parse(text || '{}'));
};

const asRecord = (value: unknown): Wire =>
  typeof value === 'object' && value !== null ? (value as Wire) : {};

const CAPACITY_OPS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'TransactGetItems',
  'BatchExecuteStatement',
]);

const empty = (): OpCount => ({
  calls: 0,
  wcu: 0,
  rcu: 0,
  wcuReportedByLocal: 0,
  computed: 0,
  failedConditions: 0,
});

/** AWS charges each transactional item twice its size in write units; Local reports less (see README). */
const transactionUnits = (body: Wire): Map<string, number> => {
  const perTable = new Map<string, number>();
  const items = Array.isArray(body.TransactItems) ? body.TransactItems : [];
  for (const entry of items) {
    for (const [kind, op] of Object.entries(asRecord(entry))) {
      const o = asRecord(op);
      const table = String(o.TableName);
      // Put: the new item. Update/Delete/ConditionCheck: the key plus values named in the request,
      // a lower bound of the item's size (AWS bills the larger of old and new).
      const bytes =
        kind === 'Put'
          ? itemSize(asRecord(o.Item))
          : itemSize(asRecord(o.Key)) + itemSize(asRecord(o.ExpressionAttributeValues));
      perTable.set(table, (perTable.get(table) ?? 0) + 2 * writeUnits(bytes));
    }
  }
  return perTable;
};

/**
 * Write units of a PartiQL BatchExecuteStatement, per table: DynamoDB Local reports none. Each write
 * statement is billed as its single-item equivalent, failed ones (`DuplicateItem`, a failed condition)
 * included: an INSERT by the size of the item it names, an UPDATE/DELETE by its key and values (a lower
 * bound, as for transactions). Read statements are not counted (the ingress sends none).
 */
const statementUnits = (body: Wire): Map<string, number> => {
  const perTable = new Map<string, number>();
  const statements = Array.isArray(body.Statements) ? body.Statements : [];
  for (const entry of statements) {
    const { Statement, Parameters } = asRecord(entry);
    const text = String(Statement ?? '');
    if (/^\s*select/i.test(text)) continue;
    const table = /"([^"]+)"/.exec(text)?.[1] ?? 'unknown';
    const params = Array.isArray(Parameters) ? Parameters : [];
    const names = [...(/VALUE\s*\{(.*)\}/is.exec(text)?.[1] ?? '').matchAll(/'([^']+)'\s*:/g)].map(
      (m) => m[1],
    );
    const item = Object.fromEntries(names.map((n, i) => [String(n), params[i]]));
    const bytes = names.length > 0 ? itemSize(item) : params.reduce((n: number, v) => n + valueSize(v), 0);
    perTable.set(table, (perTable.get(table) ?? 0) + writeUnits(bytes));
  }
  return perTable;
};

const capacityOf = (output: unknown): { wcu: number; rcu: number; total: number } => {
  const cc = asRecord(output).ConsumedCapacity;
  const list = Array.isArray(cc) ? cc : cc ? [cc] : [];
  let wcu = 0;
  let rcu = 0;
  let total = 0;
  for (const c of list) {
    const r = asRecord(c);
    total += Number(r.CapacityUnits ?? 0);
    wcu += Number(r.WriteCapacityUnits ?? 0);
    rcu += Number(r.ReadCapacityUnits ?? 0);
  }
  return { wcu, rcu, total };
};

const READ_OPS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);

/** Meters a DynamoDB client; `counts` is keyed by operation name (`PutItem`, `TransactWriteItems`, ...). */
export class DynamoMeter {
  readonly counts: Counts = { ops: {}, tables: {} };

  private addTable(table: unknown, wcu: number, rcu: number): void {
    const t = this.counts.tables[String(table)] ?? { wcu: 0, rcu: 0 };
    t.wcu += wcu;
    t.rcu += rcu;
    this.counts.tables[String(table)] = t;
  }

  attach(client: DynamoDBClient): this {
    const middleware: DynamoMiddleware = (next) => async (args) => {
      const request = (args as { request?: unknown }).request;
      if (!isWireRequest(request)) return next(args);
      const op = (request.headers['x-amz-target'] ?? '').split('.')[1] ?? 'Unknown';
      const body = bodyOf(request);
      if (CAPACITY_OPS.has(op)) {
        body.ReturnConsumedCapacity = 'TOTAL';
        const text = JSON.stringify(body);
        request.body = text;
        request.headers['content-length'] = String(Buffer.byteLength(text));
      }
      const count = this.counts.ops[op] ?? empty();
      this.counts.ops[op] = count;
      count.calls += 1;
      try {
        const result = await next(args);
        const reported = capacityOf(result.output);
        if (op === 'TransactWriteItems') {
          count.wcuReportedByLocal += reported.total;
          count.computed += 1;
          for (const [table, units] of transactionUnits(body)) {
            count.wcu += units;
            this.addTable(table, units, 0);
          }
        } else if (op === 'BatchExecuteStatement') {
          count.wcuReportedByLocal += reported.total;
          count.computed += 1;
          for (const [table, units] of statementUnits(body)) {
            count.wcu += units;
            this.addTable(table, units, 0);
          }
        } else if (READ_OPS.has(op)) {
          // Local reports 0 for a read that finds nothing; AWS bills it (see read-floor.ts).
          const rcu = Math.max(reported.total, readUnitsFloor(op, body));
          if (rcu > reported.total) count.computed += 1;
          count.rcu += rcu;
          this.addTable(body.TableName ?? Object.keys(asRecord(body.RequestItems))[0], 0, rcu);
        } else {
          count.wcu += reported.total;
          count.wcuReportedByLocal += reported.total;
          this.addTable(body.TableName, reported.total, 0);
        }
        return result;
      } catch (error) {
        // A failed conditional write is still billed: the size of the existing item, at least 1 unit.
        // Local returns no ConsumedCapacity with the error, so compute it (ALL_OLD gives the item).
        if ((error as { name?: unknown }).name === 'ConditionalCheckFailedException') {
          const old = asRecord((error as { Item?: unknown }).Item);
          count.failedConditions += 1;
          count.computed += 1;
          const units = writeUnits(Math.max(itemSize(old), itemSize(asRecord(body.Item))));
          count.wcu += units;
          this.addTable(body.TableName, units, 0);
        }
        throw error;
      }
    };
    client.middlewareStack.add(middleware, { step: 'build', name: 'benchDynamoMeter' });
    return this;
  }

  /** A copy of the counts so far, to subtract later. */
  snapshot(): Counts {
    return structuredClone(this.counts);
  }
}

export const diffCounts = (after: Counts, before: Counts): Counts => {
  const out: Counts = { ops: {}, tables: {} };
  for (const [table, a] of Object.entries(after.tables)) {
    const b = before.tables[table] ?? { wcu: 0, rcu: 0 };
    if (a.wcu !== b.wcu || a.rcu !== b.rcu) out.tables[table] = { wcu: a.wcu - b.wcu, rcu: a.rcu - b.rcu };
  }
  for (const [op, a] of Object.entries(after.ops)) {
    const b = before.ops[op] ?? empty();
    const d: OpCount = {
      calls: a.calls - b.calls,
      wcu: a.wcu - b.wcu,
      rcu: a.rcu - b.rcu,
      wcuReportedByLocal: a.wcuReportedByLocal - b.wcuReportedByLocal,
      computed: a.computed - b.computed,
      failedConditions: a.failedConditions - b.failedConditions,
    };
    if (d.calls > 0) out.ops[op] = d;
  }
  return out;
};

export const totals = (counts: Counts) =>
  Object.values(counts.ops).reduce(
    (t, c) => ({
      calls: t.calls + c.calls,
      wcu: t.wcu + c.wcu,
      rcu: t.rcu + c.rcu,
      wcuReportedByLocal: t.wcuReportedByLocal + c.wcuReportedByLocal,
    }),
    { calls: 0, wcu: 0, rcu: 0, wcuReportedByLocal: 0 },
  );

/** Kinesis put traffic: calls, records and record bytes (what Kinesis bills per record). */
export class KinesisMeter {
  readonly counts = { putRecordsCalls: 0, putRecordCalls: 0, records: 0, recordBytes: 0, recordKb: 0 };

  attach(client: KinesisClient): this {
    const middleware: KinesisMiddleware = (next) => async (args) => {
      const request = (args as { request?: unknown }).request;
      if (isWireRequest(request)) {
        const op = (request.headers['x-amz-target'] ?? '').split('.')[1];
        const body = bodyOf(request);
        const records =
          op === 'PutRecords'
            ? Array.isArray(body.Records)
              ? body.Records
              : []
            : op === 'PutRecord'
              ? [body]
              : [];
        if (op === 'PutRecords') this.counts.putRecordsCalls += 1;
        if (op === 'PutRecord') this.counts.putRecordCalls += 1;
        for (const r of records) this.recordOne(r);
      }
      return next(args);
    };
    client.middlewareStack.add(middleware, { step: 'build', name: 'benchKinesisMeter' });
    return this;
  }

  private recordOne(record: unknown): void {
    const r = asRecord(record);
    const bytes =
      Buffer.from(String(r.Data ?? ''), 'base64').length + Buffer.byteLength(String(r.PartitionKey));
    this.counts.records += 1;
    this.counts.recordBytes += bytes;
    // On-demand Kinesis bills each record rounded up to the next KB.
    this.counts.recordKb += Math.max(1, Math.ceil(bytes / 1024));
  }
}
