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

/**
 * `GET /health` (open): 200 `{ status: 'ok', kinesis: 'up', dynamodb: 'up' }` or 503 with which is down.
 * Two control-plane reads per call (DescribeStreamSummary: 20/s per account, DescribeTable: cheap), so
 * load balancers should poll it every few seconds, not per request.
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
