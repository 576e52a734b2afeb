import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import {
  activityOf,
  keepIdleSockets,
  listenOwned,
  type OwnedServer,
  type StreamActivity,
  streamOfBody,
  trackSockets,
} from '../net';
import { type FaultSchedule, type LostMode, operationOf, type RelayService } from './schedule';

/**
 * An HTTP relay in front of an emulator that injects the faults its schedule decides. Its `close`
 * destroys every open connection (see proxy.ts for why stop must cut them).
 */
export type FaultRelay = OwnedServer;

interface Upstream {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

const JSON_TYPE: Record<RelayService, string> = {
  kinesis: 'application/x-amz-json-1.1',
  dynamodb: 'application/x-amz-json-1.0',
};

/** Error `__type`s as each service writes them; the SDK maps them to its exception classes. */
const ERROR_TYPE: Record<RelayService, Record<'throttle' | '500' | '503', string>> = {
  kinesis: {
    throttle: 'ProvisionedThroughputExceededException',
    '500': 'InternalFailure',
    '503': 'ServiceUnavailable',
  },
  dynamodb: {
    throttle: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    '500': 'com.amazonaws.dynamodb.v20120810#InternalServerError',
    '503': 'com.amazonaws.dynamodb.v20120810#ServiceUnavailableException',
  },
};

const readBody = (stream: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

const parseJson = (body: Buffer): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
};

/** Hop-by-hop headers are the relay's own business; the length is recomputed for rewritten bodies. */
const DROPPED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

const copyHeaders = (headers: IncomingMessage['headers']): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !DROPPED.has(name))
      out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
};

/** How long a late landing waits for the writer's marked re-send before it lands anyway. */
const LATE_LANDING_MAX_HOLD_MS = 15_000;

/** The event id inside a PutRecords entry (`Data` is a base64 CloudEvents envelope), or ''. */
const idOf = (record: unknown): string => {
  if (!isObject(record) || typeof record.Data !== 'string') return '';
  const envelope = parseJson(Buffer.from(record.Data, 'base64'));
  return typeof envelope?.id === 'string' ? envelope.id : '';
};
const isResent = (record: unknown): boolean =>
  isObject(record) &&
  typeof record.Data === 'string' &&
  Buffer.from(record.Data, 'base64').includes('"spineresent"');
/**
 * Starts a relay on `127.0.0.1:listenPort` (0 = free port) that forwards each request to
 * `127.0.0.1:targetPort` and, per `schedule`, injects:
 * - `lostResponse`: the request is applied upstream, then the client socket is destroyed (the SDK sees
 *   a socket hang-up) or answered 500/503 with an AWS JSON error body;
 * - `partialPutRecords`: only a subset of a PutRecords' records is forwarded; the others are answered
 *   with per-record ProvisionedThroughputExceededException, as Kinesis does under load; optionally
 *   that partial answer is lost too;
 * - `throttle`: a 400 ProvisionedThroughputExceededException, nothing forwarded;
 * - `lateLanding`: a PutRecords is answered with a socket hang-up and held; it is forwarded (stored)
 *   only after a later PutRecords carrying a marked re-send of one of its events went through (or
 *   after 15 s), so the unmarked original lands behind its marked copy.
 * Requests are buffered whole (AWS JSON bodies are small); that costs one copy per request, which is
 * why local mode starts this relay only when faults are configured.
 */
export const startFaultRelay = (
  listenPort: number,
  targetPort: number,
  schedule: FaultSchedule,
  /** Told of each write and reshard the emulator answered (local mode's pollers wake on it). */
  activity?: Pick<StreamActivity, 'notice'>,
): Promise<FaultRelay> => {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const sockets = trackSockets();
  const service = schedule.service;

  const forward = (
    req: Pick<IncomingMessage, 'method' | 'url' | 'headers'>,
    body: Buffer,
  ): Promise<Upstream> =>
    new Promise((done, fail) => {
      const headers = { ...copyHeaders(req.headers), 'content-length': String(body.length) };
      const out = request(
        { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers, agent },
        (res) => {
          readBody(res)
            .then((data) => {
              const target = req.headers['x-amz-target'];
              const kind = activity && typeof target === 'string' ? activityOf(target) : undefined;
              const stream = kind && streamOfBody(body.toString('utf8'));
              if (kind && stream) activity?.notice(kind, stream);
              done({ status: res.statusCode ?? 502, headers: copyHeaders(res.headers), body: data });
            })
            .catch(fail);
        },
      );
      // Without noDelay, Nagle's algorithm holds small writes until the peer's delayed ACK (~40 ms).
      out.setNoDelay(true);
      out.on('error', fail);
      out.end(body);
    });

  const send = (res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer) => {
    res.writeHead(status, { ...headers, 'content-length': String(body.length) });
    res.end(body);
  };

  const sendError = (res: ServerResponse, status: number, type: string, message: string) =>
    send(
      res,
      status,
      { 'content-type': JSON_TYPE[service], 'x-amzn-requestid': `spine-fault-${Date.now()}` },
      Buffer.from(JSON.stringify({ __type: type, message })),
    );

  const lose = (req: IncomingMessage, res: ServerResponse, mode: LostMode) => {
    if (mode === 'hangup') req.socket.destroy();
    else sendError(res, Number(mode), ERROR_TYPE[service][mode], 'injected: the answer was lost');
  };

  // Late landings: PutRecords held back until a marked re-send of one of their events went through.
  type Held = {
    readonly req: Pick<IncomingMessage, 'method' | 'url' | 'headers'>;
    readonly body: Buffer;
    readonly ids: ReadonlySet<string>;
  };
  const held = new Set<Held>();
  const land = async (h: Held) => {
    if (!held.delete(h)) return;
    await forward(h.req, h.body).catch(() => undefined);
  };
  const release = async (records: readonly unknown[]) => {
    if (held.size === 0) return;
    const resent = new Set(records.flatMap((r) => (isResent(r) ? [idOf(r)] : [])));
    for (const h of [...held]) if ([...h.ids].some((id) => resent.has(id))) await land(h);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const operation = operationOf(
      typeof req.headers['x-amz-target'] === 'string' ? req.headers['x-amz-target'] : undefined,
    );
    const json = operation === 'PutRecords' ? parseJson(body) : undefined;
    const records = json && Array.isArray(json.Records) ? json.Records : [];
    const fault = schedule.decide(operation, records.length);
    if (fault?.kind === 'throttle')
      return sendError(res, 400, ERROR_TYPE[service].throttle, 'injected: Rate exceeded');
    if (fault?.kind === 'lateLanding') {
      const h: Held = {
        req: { method: req.method, url: req.url, headers: { ...req.headers } },
        body,
        ids: new Set(records.map(idOf)),
      };
      held.add(h);
      // If no re-send comes (the writer gave up), it still lands, later: stored, never dropped.
      setTimeout(() => void land(h), LATE_LANDING_MAX_HOLD_MS).unref();
      return lose(req, res, 'hangup');
    }
    if (fault?.kind === 'partialPutRecords' && json) {
      const kept = records.filter((_, i) => fault.keep(i));
      const up = await forward(req, Buffer.from(JSON.stringify({ ...json, Records: kept })));
      const answer = up.status === 200 ? parseJson(up.body) : undefined;
      const results = answer && Array.isArray(answer.Records) ? answer.Records : undefined;
      if (fault.lost) return lose(req, res, fault.lost);
      if (!answer || !results) return send(res, up.status, up.headers, up.body);
      let next = 0;
      let failed = Number(answer.FailedRecordCount ?? 0);
      const merged = records.map((_, i) => {
        if (fault.keep(i)) return results[next++];
        failed += 1;
        return {
          ErrorCode: 'ProvisionedThroughputExceededException',
          ErrorMessage: 'injected: Rate exceeded for shard',
        };
      });
      const rewritten = Buffer.from(
        JSON.stringify({ ...answer, FailedRecordCount: failed, Records: merged }),
      );
      return send(res, 200, up.headers, rewritten);
    }
    const up = await forward(req, body);
    if (operation === 'PutRecords') await release(records);
    if (fault?.kind === 'lostResponse') return lose(req, res, fault.mode);
    send(res, up.status, up.headers, up.body);
  };

  // The SDK's agent reuses a socket until the relay closes it: a relay stalled past Node's 5 s idle
  // timeout would reset a request it never read, a fault nobody scheduled.
  const server = keepIdleSockets(
    createServer((req, res) => {
      handle(req, res).catch(() => req.socket.destroy());
    }),
  );
  server.on('connection', (socket: Socket) => {
    socket.setNoDelay(true);
    sockets.track(socket);
  });
  return listenOwned(server, listenPort, () => {
    sockets.destroyAll();
    agent.destroy();
  });
};
