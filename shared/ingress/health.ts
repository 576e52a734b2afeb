import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { type HttpResult, json } from './http';

export interface HealthDeps {
  readonly kinesis: KinesisClient;
  readonly dynamo: DynamoDBClient;
  /** One topic stream to probe: if the account's Kinesis endpoint answers for it, the log is up. */
  readonly probeStream: string;
  readonly idempotencyTable: string;
  /** @default 2000 */
  readonly timeoutMs?: number;
}

const probe = async (
  check: (signal: AbortSignal) => Promise<unknown>,
  timeoutMs: number,
): Promise<'up' | 'down'> => {
  try {
    await check(AbortSignal.timeout(timeoutMs));
    return 'up';
  } catch {
    return 'down';
  }
};

/** How long one probe's answer is served: `GET /health` is open, so callers set the probe rate otherwise. */
export const HEALTH_CACHE_MS = 5_000;

export interface HealthCacheOptions {
  /** How long an answer is reused, up or down. @default HEALTH_CACHE_MS */
  readonly ttlMs?: number;
  /** Clock seam for tests. @default Date.now */
  readonly now?: () => number;
}

/**
 * `checkHealth` behind a cache per ingress instance: at most one probe pair per `ttlMs`, and concurrent
 * requests share the probe in flight. Without it, anyone who floods the open route spends the account's
 * DescribeStreamSummary quota (20/s, shared with every other caller in the account) and DescribeTable
 * calls. A down answer is cached too: it says `retry-after: 5` anyway. Costs up to `ttlMs` of staleness.
 */
export const cachedHealth = (
  deps: HealthDeps,
  options: HealthCacheOptions = {},
): (() => Promise<HttpResult>) => {
  const ttlMs = options.ttlMs ?? HEALTH_CACHE_MS;
  const now = options.now ?? Date.now;
  let cached: { readonly at: number; readonly answer: Promise<HttpResult> } | undefined;
  return () => {
    const at = now();
    if (cached && at - cached.at < ttlMs) return cached.answer;
    cached = { at, answer: checkHealth(deps) };
    return cached.answer;
  };
};

/**
 * `GET /health` (open): 200 `{ status: 'ok', kinesis: 'up', dynamodb: 'up' }` or 503 with which is down.
 * Two control-plane reads per call (DescribeStreamSummary: 20/s per account, DescribeTable: cheap): the
 * ingress serves it through `cachedHealth`.
 */
export const checkHealth = async (deps: HealthDeps): Promise<HttpResult> => {
  const timeoutMs = deps.timeoutMs ?? 2_000;
  const [kinesis, dynamodb] = await Promise.all([
    probe(
      (abortSignal) =>
        deps.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: deps.probeStream }), {
          abortSignal,
        }),
      timeoutMs,
    ),
    probe(
      (abortSignal) =>
        deps.dynamo.send(new DescribeTableCommand({ TableName: deps.idempotencyTable }), { abortSignal }),
      timeoutMs,
    ),
  ]);
  const ok = kinesis === 'up' && dynamodb === 'up';
  return json(
    ok ? 200 : 503,
    { status: ok ? 'ok' : 'degraded', kinesis, dynamodb },
    ok ? {} : { 'retry-after': '5' },
  );
};
