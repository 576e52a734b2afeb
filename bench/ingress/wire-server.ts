import { readFileSync } from 'node:fs';
import { createSecureServer } from 'node:http2';

/**
 * Kinesis and DynamoDB answered over a real TLS socket, in a process of their own: run 2a's clients
 * send every request through their normal HTTP handler (TLS, keep-alive, the SDK's request writing and
 * response reading, as on Lambda), and the server's work (parsing each body, building each answer) is
 * this process's CPU, not the measured one's. Answers are the minimal successful responses of each
 * operation. Started with `fork` (`startWireServer` in wire.ts): it sends `{ port }` once listening,
 * answers the message `counts` with the calls, records and record bytes seen per endpoint path (each
 * scenario's clients use their own path) and service, `reset` by clearing them, and exits when its
 * parent disconnects.
 */

interface Counts {
  calls: Record<string, number>;
  records: number;
  recordBytes: number;
}
type ServiceCounts = Record<'kinesis' | 'dynamodb', Counts>;
const counts = (): ServiceCounts => ({
  kinesis: { calls: {}, records: 0, recordBytes: 0 },
  dynamodb: { calls: {}, records: 0, recordBytes: 0 },
});
let seen = new Map<string, ServiceCounts>();
const countsOf = (path: string): ServiceCounts => {
  const known = seen.get(path);
  if (known) return known;
  const fresh = counts();
  seen.set(path, fresh);
  return fresh;
};

let seq = 0n;
const next = () => ({
  ShardId: 'shardId-000000000000',
  SequenceNumber: (49_650_000_000_000_000_000_000_000_000n + ++seq).toString(),
});

const field = (value: unknown, name: string): unknown =>
  typeof value === 'object' && value !== null ? Reflect.get(value, name) : undefined;

const countRecord = (c: Counts, data: unknown, partitionKey: unknown) => {
  c.records += 1;
  c.recordBytes +=
    Buffer.byteLength(String(data ?? ''), 'base64') + Buffer.byteLength(String(partitionKey ?? ''));
};

const answer = (
  seenHere: ServiceCounts,
  target: string,
  body: Record<string, unknown>,
): { type: string; json: unknown } => {
  const [service = '', op = 'Unknown'] = target.split('.');
  if (service.startsWith('Kinesis')) {
    const c = seenHere.kinesis;
    c.calls[op] = (c.calls[op] ?? 0) + 1;
    const type = 'application/x-amz-json-1.1';
    if (op === 'PutRecords') {
      const records = Array.isArray(body.Records) ? body.Records : [];
      for (const r of records) countRecord(c, field(r, 'Data'), field(r, 'PartitionKey'));
      return { type, json: { FailedRecordCount: 0, Records: records.map(next) } };
    }
    if (op === 'PutRecord') {
      countRecord(c, body.Data, body.PartitionKey);
      return { type, json: next() };
    }
    return { type, json: {} };
  }
  const c = seenHere.dynamodb;
  c.calls[op] = (c.calls[op] ?? 0) + 1;
  const type = 'application/x-amz-json-1.0';
  // BatchExecuteStatement answers one response per statement (a claim batch); everything else `{}`.
  if (op === 'BatchExecuteStatement' && Array.isArray(body.Statements))
    return { type, json: { Responses: body.Statements.map(() => ({ TableName: 'idempotency' })) } };
  return { type, json: {} };
};

const tls = new URL('./tls/', import.meta.url);
// HTTP/2 and HTTP/1.1 over TLS: the SDK's default Kinesis client speaks HTTP/2 (a hand-built handler's),
// Spine's clients and DynamoDB's HTTP/1.1.
const server = createSecureServer(
  {
    key: readFileSync(new URL('localhost.key', tls)),
    cert: readFileSync(new URL('localhost.crt', tls)),
    allowHTTP1: true,
  },
  (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const parsed: unknown = text ? JSON.parse(text) : {};
      const body = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
      const path = (req.url ?? '/').split('/')[1] ?? '';
      const { type, json } = answer(countsOf(path), String(req.headers['x-amz-target'] ?? ''), body);
      const payload = Buffer.from(JSON.stringify(json));
      res.writeHead(200, { 'content-type': type, 'content-length': String(payload.length) });
      res.end(payload);
    });
  },
);
let sessions = 0;
server.on('secureConnection', () => {
  sessions += 1;
  if (process.env.WIRE_DEBUG) console.error('tls sessions', sessions);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('message', (message) => {
  if (message === 'counts') process.send?.({ counts: Object.fromEntries(seen) });
  if (message === 'reset') {
    seen = new Map();
    process.send?.({ reset: true });
  }
});
// Stops with its parent, however the parent ends.
process.on('disconnect', () => process.exit(0));
