import { z } from 'zod';

/** Environment variable that switches fault injection on. Test-only: unset, nothing is injected. */
export const FAULTS_ENV = 'SPINE_FAULTS';

const probability = z.number().min(0).max(1);

/**
 * What to inject and how often (probability per call or per invocation). Example:
 * `SPINE_FAULTS='{"seed":7,"handler":{"crashBefore":0.05},"kinesis":{"lostResponse":0.02}}' npm start`
 */
export const faultConfigSchema = z.strictObject({
  /** Seeds the PRNG so a run's fault schedule can be replayed. */
  seed: z.number().int().optional(),
  /**
   * Every kind configured with a rate above 0 fires once for sure, at its first chance, in each
   * runtime process (then the rates decide): a test can then require each kind to have fired whatever
   * the draws and the machine's speed.
   */
  forceOnce: z.boolean().optional(),
  handler: z
    .strictObject({
      /** The invocation dies before the handler runs. */
      crashBefore: probability.optional(),
      /** The handler ran (and committed) but the invocation dies before answering. */
      crashAfter: probability.optional(),
      /** The invocation is reported timed out after `timeoutMs` while the handler keeps running. */
      timeout: probability.optional(),
      timeoutMs: z.number().int().min(1).max(900_000).optional(),
      /** The same batch is invoked twice at once; the mapping sees one answer (a concurrent retry). */
      duplicate: probability.optional(),
    })
    .optional(),
  /** HTTP-level faults of the relay in front of DynamoDB Local (see relay.ts). */
  dynamodb: z
    .strictObject({
      /** TransactWriteItems / PutItem / UpdateItem / DeleteItem applied, then the answer is lost. */
      lostResponse: probability.optional(),
      /** 400 `ProvisionedThroughputExceededException` without forwarding (the SDK's own retries see it). */
      throttle: probability.optional(),
    })
    .optional(),
  /** HTTP-level faults of the relay in front of kinesis-mock (see relay.ts). */
  kinesis: z
    .strictObject({
      /** PutRecords / PutRecord applied, then the answer is lost. */
      lostResponse: probability.optional(),
      /** PutRecords applies a subset; the others get per-record `ProvisionedThroughputExceededException`. */
      partialPutRecords: probability.optional(),
      /** Share of those partial PutRecords whose answer is lost as well. */
      partialLost: probability.optional(),
      /** 400 `ProvisionedThroughputExceededException` on GetRecords / PutRecords, without forwarding. */
      throttle: probability.optional(),
      /** PutRecords answer lost, its records stored only after the writer's marked re-send landed. */
      lateLanding: probability.optional(),
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
