import type {
  KinesisClient,
  ServiceInputTypes as KinesisInput,
  ServiceOutputTypes as KinesisOutput,
} from '@aws-sdk/client-kinesis';
import type { BuildMiddleware } from '@smithy/types';

/**
 * Counts every Kinesis call a client makes, by operation (`GetRecords`, `PutRecords`, ...), failed
 * calls included: the rare paths are priced by the calls the runtime makes, not only the puts that
 * `KinesisMeter` sizes. A build-step middleware sees each SDK attempt the caller starts (the SDK's
 * own retries happen later in the stack and are not counted twice).
 */
export type CallCounts = Record<string, number>;

type Middleware = BuildMiddleware<KinesisInput, KinesisOutput>;

const targetOf = (request: unknown): string => {
  if (typeof request !== 'object' || request === null) return 'Unknown';
  const headers = (request as { headers?: unknown }).headers;
  if (typeof headers !== 'object' || headers === null) return 'Unknown';
  const target = (headers as Record<string, unknown>)['x-amz-target'];
  return typeof target === 'string' ? (target.split('.')[1] ?? 'Unknown') : 'Unknown';
};

export class KinesisCallMeter {
  readonly calls: CallCounts = {};

  attach(client: KinesisClient): this {
    const middleware: Middleware = (next) => async (args) => {
      const op = targetOf((args as { request?: unknown }).request);
      this.calls[op] = (this.calls[op] ?? 0) + 1;
      return next(args);
    };
    client.middlewareStack.add(middleware, { step: 'build', name: 'benchKinesisCallMeter' });
    return this;
  }

  snapshot(): CallCounts {
    return { ...this.calls };
  }
}

/** Calls made between two snapshots, operations with none left out. */
export const diffCalls = (after: CallCounts, before: CallCounts): CallCounts =>
  Object.fromEntries(
    Object.entries(after)
      .map(([op, n]): [string, number] => [op, n - (before[op] ?? 0)])
      .filter(([, n]) => n > 0),
  );

/** Sum of several call counts (a scenario spread over containers). */
export const addCalls = (...counts: readonly CallCounts[]): CallCounts => {
  const out: CallCounts = {};
  for (const c of counts) for (const [op, n] of Object.entries(c)) out[op] = (out[op] ?? 0) + n;
  return out;
};
