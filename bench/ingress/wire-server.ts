import { readFileSync } from 'node:fs';
import { createSecureServer } from 'node:http2';
import {
  type Answer,
  DYNAMODB_CONTENT_TYPE,
  dynamoAnswer,
  KINESIS_CONTENT_TYPE,
  kinesisAnswer,
  newCounts,
  sequencer,
  type WireCounts,
} from './wire-answers';

/**
 * Kinesis and DynamoDB answered over a real TLS socket, in a process of their own: run 2a's clients
 * send every request through their normal HTTP handler (TLS, keep-alive, the SDK's request writing and
 * response reading, as on Lambda), and the server's work (parsing each body, building each answer) is
 * this process's CPU, not the measured one's. It answers as bench/ingress/wire-answers.ts says. Started with `fork` (`startWireServer` in wire.ts): it sends `{ port }` once listening,
 * answers the message `counts` with the calls, records and record bytes seen per endpoint path (each
 * scenario's clients use their own path) and service, `reset` by clearing them, and exits when its
 * parent disconnects.
 */

type ServiceCounts = {
  kinesis: Answer;
  dynamodb: Answer;
  counts: Record<'kinesis' | 'dynamodb', WireCounts>;
};
const next = sequencer();
const fresh = (): ServiceCounts => {
  const counts = { kinesis: newCounts(), dynamodb: newCounts() };
  return { kinesis: kinesisAnswer(counts.kinesis, next), dynamodb: dynamoAnswer(counts.dynamodb), counts };
};
let seen = new Map<string, ServiceCounts>();
const countsOf = (path: string): ServiceCounts => {
  const known = seen.get(path);
  if (known) return known;
  const made = fresh();
  seen.set(path, made);
  return made;
};

/** Kinesis's or DynamoDB's answer to one call, by its `x-amz-target` (`Kinesis_20131202.PutRecords`). */
const answer = (here: ServiceCounts, target: string, body: Record<string, unknown>) => {
  const [service = '', op = 'Unknown'] = target.split('.');
  return service.startsWith('Kinesis')
    ? { type: KINESIS_CONTENT_TYPE, json: here.kinesis(op, body) }
    : { type: DYNAMODB_CONTENT_TYPE, json: here.dynamodb(op, body) };
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
  if (message === 'counts')
    process.send?.({ counts: Object.fromEntries([...seen].map(([path, c]) => [path, c.counts])) });
  if (message === 'reset') {
    seen = new Map();
    process.send?.({ reset: true });
  }
});
// Stops with its parent, however the parent ends.
process.on('disconnect', () => process.exit(0));
