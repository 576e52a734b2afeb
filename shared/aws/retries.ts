/** The parts of the SDK's retry token and error info this strategy reads (structural: no @smithy import). */
interface RetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}
interface RetryErrorInfo {
  readonly errorType: string;
  readonly error?: { readonly $metadata?: { readonly httpStatusCode?: number } };
}

const token = (count: number, delay: number): RetryToken => ({
  getRetryCount: () => count,
  getRetryDelay: () => delay,
});

/** Retry errors that ended a call the SDK must not send again; the middleware rethrows the call's own error. */
export class RetryRefusedError extends Error {
  constructor(readonly errorType: string) {
    super(`not retried: a ${errorType} error may come from a call that ran`);
    this.name = 'RetryRefusedError';
  }
}

/**
 * A retry strategy for calls that must not run twice, such as a synchronous Lambda Invoke: it retries
 * only a refusal (HTTP 429, throttling: Lambda did not run the function), with full-jitter exponential
 * backoff, up to `maxAttempts` sends. The SDK's default also retries a timeout, a dropped connection
 * and a 5xx, each of which can follow an invocation that ran: a replay Invoke that timed out at 960 s
 * was sent again, running the consumer a second time.
 */
export const refusalOnlyRetries = (maxAttempts = 4, baseDelayMs = 200) => ({
  acquireInitialRetryToken: async (_scope: string): Promise<RetryToken> => token(0, 0),
  refreshRetryTokenForRetry: async (previous: RetryToken, info: RetryErrorInfo): Promise<RetryToken> => {
    const retry = previous.getRetryCount() + 1;
    const refused = info.errorType === 'THROTTLING' && info.error?.$metadata?.httpStatusCode === 429;
    if (!refused || retry >= maxAttempts) throw new RetryRefusedError(info.errorType);
    return token(retry, Math.random() * Math.min(20_000, baseDelayMs * 2 ** retry));
  },
  recordSuccess: (_token: RetryToken): void => {},
});
