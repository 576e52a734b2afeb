import { writeFileSync } from 'node:fs';
import {
  type DynamoDBClient,
  ProvisionedThroughputExceededException as DynamoThrottle,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  type KinesisClient,
  ProvisionedThroughputExceededException as KinesisThrottle,
} from '@aws-sdk/client-kinesis';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import type { LambdaHandler } from '../handler';
import type { FaultConfig } from './config';

export type FaultKind =
  | 'handler.crashBefore'
  | 'handler.crashAfter'
  | 'handler.timeout'
  | 'dynamodb.throttle'
  | 'dynamodb.transactionConflict'
  | 'kinesis.putThrottle'
  | 'kinesis.getThrottle'
  | 'runtime.killMidBatch';

/** A fault that fired; thrown where the real failure would surface. */
export class InjectedFaultError extends Error {
  readonly code = 'INJECTED_FAULT';
  constructor(readonly kind: FaultKind) {
    super(`injected fault: ${kind}`);
    this.name = 'InjectedFaultError';
  }
}

const mulberry32 = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const metadata = { httpStatusCode: 400, attempts: 1, totalRetryDelay: 0 };

/**
 * Fires the configured faults with their probabilities from one seeded PRNG and counts what fired,
 * writing the counts to `countsFile` (the chaos run reads them).
 */
export class FaultInjector {
  private readonly random: () => number;
  readonly counts: Partial<Record<FaultKind, number>> = {};

  constructor(
    private readonly config: FaultConfig,
    private readonly countsFile?: string,
  ) {
    this.random = mulberry32(config.seed ?? Date.now());
  }

  private fire(kind: FaultKind, probability: number | undefined): boolean {
    if (!probability || this.random() >= probability) return false;
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    if (this.countsFile) writeFileSync(this.countsFile, JSON.stringify(this.counts));
    return true;
  }

  /** Adds a middleware inside the SDK's retry loop, so injected throttles meet the SDK's real retries. */
  instrumentClient(client: KinesisClient | DynamoDBClient, service: 'kinesis' | 'dynamodb'): void {
    const { dynamodb, kinesis } = this.config;
    const stack = client.middlewareStack as unknown as DynamoDBClient['middlewareStack'];
    stack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? '';
        if (service === 'dynamodb') {
          if (this.fire('dynamodb.throttle', dynamodb?.throttle))
            throw new DynamoThrottle({ message: 'injected: throughput exceeded', $metadata: metadata });
          if (
            command === 'TransactWriteItemsCommand' &&
            this.fire('dynamodb.transactionConflict', dynamodb?.transactionConflict)
          )
            throw new TransactionCanceledException({
              message: 'injected: transaction conflict',
              $metadata: metadata,
              CancellationReasons: [{ Code: 'TransactionConflict', Message: 'injected' }],
            });
        } else if (
          /^PutRecords?Command$/.test(command) &&
          this.fire('kinesis.putThrottle', kinesis?.putThrottle)
        ) {
          throw new KinesisThrottle({ message: 'injected: rate exceeded', $metadata: metadata });
        } else if (
          command === 'GetRecordsCommand' &&
          this.fire('kinesis.getThrottle', kinesis?.getThrottle)
        ) {
          throw new KinesisThrottle({ message: 'injected: rate exceeded', $metadata: metadata });
        }
        return next(args);
      },
      { step: 'deserialize', name: 'spineFaultInjection', priority: 'high' },
    );
  }

  /** Wraps a service handler the way an unreliable Lambda environment would treat it. */
  wrapHandler(handler: LambdaHandler<KinesisStreamEvent>): LambdaHandler<KinesisStreamEvent> {
    const { handler: h, runtime } = this.config;
    return async (event: KinesisStreamEvent, context: Context) => {
      if (this.fire('handler.crashBefore', h?.crashBefore))
        throw new InjectedFaultError('handler.crashBefore');
      const run = Promise.resolve(handler(event, context));
      if (this.fire('handler.timeout', h?.timeout)) {
        // Lambda would kill the sandbox; here the handler runs on like a racing invocation would.
        run.catch(() => {});
        await new Promise((r) => setTimeout(r, h?.timeoutMs ?? 3_000));
        throw new InjectedFaultError('handler.timeout');
      }
      const result = await run;
      if (this.fire('runtime.killMidBatch', runtime?.killMidBatch)) process.kill(process.pid, 'SIGKILL');
      if (this.fire('handler.crashAfter', h?.crashAfter)) throw new InjectedFaultError('handler.crashAfter');
      return result;
    };
  }
}
