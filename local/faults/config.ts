import { z } from 'zod';

/** Environment variable that switches fault injection on. Test-only: unset, nothing is injected. */
export const FAULTS_ENV = 'SPINE_FAULTS';

const probability = z.number().min(0).max(1);

/**
 * What to inject and how often (probability per call or per invocation). Example:
 * `SPINE_FAULTS='{"seed":7,"handler":{"crashBefore":0.05},"dynamodb":{"throttle":0.02}}' npm start`
 */
export const faultConfigSchema = z.strictObject({
  /** Seeds the PRNG so a run's fault schedule can be replayed. */
  seed: z.number().int().optional(),
  handler: z
    .strictObject({
      /** The invocation dies before the handler runs. */
      crashBefore: probability.optional(),
      /** The handler ran (and committed) but the invocation dies before answering. */
      crashAfter: probability.optional(),
      /** The invocation is reported timed out after `timeoutMs` while the handler keeps running. */
      timeout: probability.optional(),
      timeoutMs: z.number().int().min(1).max(900_000).optional(),
    })
    .optional(),
  dynamodb: z
    .strictObject({
      /** `ProvisionedThroughputExceededException` on any call (the SDK's own retries see it). */
      throttle: probability.optional(),
      /** `TransactionCanceledException` with reason `TransactionConflict` on TransactWriteItems. */
      transactionConflict: probability.optional(),
    })
    .optional(),
  kinesis: z
    .strictObject({
      /** `ProvisionedThroughputExceededException` on PutRecord(s). */
      putThrottle: probability.optional(),
      /** `ProvisionedThroughputExceededException` on GetRecords (the event source mapping's reads). */
      getThrottle: probability.optional(),
    })
    .optional(),
  runtime: z
    .strictObject({
      /** SIGKILL of the whole local runtime right after a handler returned, before its batch is checkpointed. */
      killMidBatch: probability.optional(),
    })
    .optional(),
});

export type FaultConfig = z.infer<typeof faultConfigSchema>;

export class FaultConfigError extends Error {
  readonly code = 'FAULT_CONFIG_INVALID';
  constructor(message: string) {
    super(`${FAULTS_ENV} is invalid: ${message}`);
    this.name = 'FaultConfigError';
  }
}

/** Reads `SPINE_FAULTS`; undefined when unset (the normal case). */
export const readFaultConfig = (env: NodeJS.ProcessEnv = process.env): FaultConfig | undefined => {
  const raw = env[FAULTS_ENV];
  if (raw === undefined || raw === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new FaultConfigError('not JSON');
  }
  const result = faultConfigSchema.safeParse(parsed);
  if (!result.success)
    throw new FaultConfigError(
      result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    );
  return result.data;
};
