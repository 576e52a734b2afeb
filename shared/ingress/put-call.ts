import {
  type KinesisClient,
  PutRecordsCommand,
  type PutRecordsCommandInput,
  type PutRecordsCommandOutput,
} from '@aws-sdk/client-kinesis';
import type { FinalizeRequestMiddleware } from '@smithy/types';

const THROTTLE = /ProvisionedThroughputExceeded|Throttl|LimitExceeded|KMSThrottling/;

/** Whether a Kinesis error code means the shard (or KMS) refused for rate, not for content. */
export const isThrottleCode = (code: string): boolean => THROTTLE.test(code);

/** What a failed PutRecords call tells about the records it carried. */
export interface CallFailure {
  readonly code: string;
  readonly throttled: boolean;
  /** Worth another attempt (throttling, a 5xx, a timeout); a 4xx such as ValidationException is not. */
  readonly retryable: boolean;
  /**
   * Kinesis may have stored the records: the call timed out, was aborted, lost its connection or got a
   * 5xx. Only an answered 4xx proves nothing was stored.
   */
  readonly uncertain: boolean;
}

/** Socket errors raised before a connection existed: the request never left this process. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Classifies a call-level failure. An answered 4xx, or a connection that was never made, stored nothing;
 * anything else without an answer (timeout, abort, reset socket) or a 5xx may have been stored.
 */
export const classifyCallFailure = (error: unknown): CallFailure => {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    code?: unknown;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  const code = typeof e.name === 'string' ? e.name : 'UnknownError';
  const throttled = isThrottleCode(code);
  const status = e.$metadata?.httpStatusCode;
  const notSent = typeof e.code === 'string' && NOT_CONNECTED.has(e.code);
  const uncertain = !notSent && (status === undefined || status >= 500);
  if (notSent) return { code, throttled, retryable: true, uncertain };
  return { code, throttled, retryable: throttled || Boolean(e.$retryable) || uncertain, uncertain };
};

/** Thrown in place of the SDK's own second attempt; never retried by the SDK (no retryable trait). */
class SdkRetryRefused extends Error {
  constructor() {
    super('The SDK tried to re-send a PutRecords call; the writer re-sends records itself.');
    this.name = 'SdkRetryRefused';
  }
}

/**
 * Sends one PutRecords call with at most one attempt, whatever the client's retry settings. The SDK
 * re-sends a call after a timeout or 5xx as is, so a call Kinesis stored but whose answer was lost would
 * land twice, both copies unmarked. A middleware inside the SDK's retry loop refuses a second attempt,
 * and the first attempt's error is thrown instead, so the writer decides (and marks what it re-sends).
 * Clients made with `maxAttempts: 1` never reach the refusal; the guard protects the ones passed in by
 * callers (the outbox publisher) that keep the SDK default of 3 attempts.
 */
export const sendPutRecordsOnce = async (
  client: KinesisClient,
  input: PutRecordsCommandInput,
  timeoutMs: number,
): Promise<PutRecordsCommandOutput> => {
  const command = new PutRecordsCommand(input);
  let attempts = 0;
  let firstError: unknown;
  const guard: FinalizeRequestMiddleware<PutRecordsCommandInput, PutRecordsCommandOutput> =
    (next) => async (args) => {
      attempts += 1;
      if (attempts > 1) throw new SdkRetryRefused();
      try {
        return await next(args);
      } catch (error) {
        firstError = error;
        throw error;
      }
    };
  command.middlewareStack.add(guard, { step: 'finalizeRequest', priority: 'low', name: 'spineOneAttempt' });
  // The abort as `AbortSignal.timeout` gives it (a TimeoutError), but with a timer cleared when the call
  // ends: `AbortSignal.timeout` keeps its timer (10 s) and a weak reference alive per call, which cost
  // about 8% of the ingress's own CPU per plain request (docs/performance.md, "Ingress CPU").
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    timeoutMs,
  );
  timer.unref();
  try {
    return await client.send(command, { abortSignal: controller.signal });
  } catch (error) {
    throw error instanceof SdkRetryRefused && firstError !== undefined ? firstError : error;
  } finally {
    clearTimeout(timer);
  }
};
