/** The parts of the SDK's retry token and error info this strategy reads (structural: no @smithy import). */
interface RetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}
interface RetryErrorInfo {
  readonly errorType: string;
  readonly retryAfterHint?: Date;
  readonly error?: {
    readonly name?: string;
    readonly code?: string;
    readonly $metadata?: { readonly httpStatusCode?: number; readonly clockSkewCorrected?: boolean };
  };
}

/**
 * Lambda Invoke errors that mean the function did not run ("Error codes are reserved for errors that
 * prevent your function from executing", API_Invoke), and that pass: throttling (every `Reason` of
 * TooManyRequestsException is a refusal before execution), EC2 throttling at init, and a function not
 * ready yet (pending, SnapStart). Permission, quota and configuration errors also prevent execution,
 * but a re-send cannot fix them. `ServiceException` (500) is left out: it may follow a run.
 */
const NOT_RUN = new Set([
  'TooManyRequestsException',
  'EC2ThrottledException',
  'ResourceNotReadyException',
  'ResourceConflictException',
  'SnapStartNotReadyException',
]);
/** Network errors raised before the request left this machine. A reset or a timeout is not one. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

const token = (count: number, delay: number): RetryToken => ({
  getRetryCount: () => count,
  getRetryDelay: () => delay,
});

/** Whether `info` is a failure after which the call certainly did not run (so a re-send runs it at most once). */
export const certainlyNotRun = (info: RetryErrorInfo): boolean => {
  const error = info.error;
  if (!error) return false;
  // Signed with a skewed clock: refused at authentication; the SDK has corrected its offset.
  if (error.$metadata?.clockSkewCorrected === true) return true;
  return NOT_RUN.has(error.name ?? '') || NOT_SENT.has(error.code ?? '');
};

export interface RetryLimits {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** How many times a call is sent at most (first send included), and the backoff's base and cap. */
export const REFUSAL_RETRY: RetryLimits = { maxAttempts: 6, baseDelayMs: 1_000, maxDelayMs: 20_000 };

/**
 * A retry strategy for calls that must not run twice, such as a synchronous Lambda Invoke: it sends
 * the call again only after a failure that proves it did not run (`certainlyNotRun`), waiting a
 * full-jitter exponential backoff, or the server's Retry-After when that is longer. The SDK's default
 * also retries a timeout, a dropped connection and a 5xx, each of which can follow an invocation that
 * ran: a replay Invoke that timed out at 960 s was sent again, running the consumer a second time.
 * Pass the same `maxAttempts` to the client, so its `amz-sdk-request` header tells the truth.
 */
export const refusalOnlyRetries = ({
  maxAttempts,
  baseDelayMs,
  maxDelayMs,
}: RetryLimits = REFUSAL_RETRY) => ({
  acquireInitialRetryToken: async (_scope: string): Promise<RetryToken> => token(0, 0),
  refreshRetryTokenForRetry: async (previous: RetryToken, info: RetryErrorInfo): Promise<RetryToken> => {
    const retry = previous.getRetryCount() + 1;
    // The SDK's middleware rethrows the call's own error when this throws.
    if (!certainlyNotRun(info) || retry >= maxAttempts) throw new Error('no retry');
    const backoff = Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** retry);
    const hinted = info.retryAfterHint ? info.retryAfterHint.getTime() - Date.now() : 0;
    return token(retry, Math.max(backoff, hinted));
  },
  recordSuccess: (_token: RetryToken): void => {},
});
