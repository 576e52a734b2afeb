import { LambdaClient, type LambdaClientConfig } from '@aws-sdk/client-lambda';
import {
  certainlyNotRun,
  createHttpHandler,
  REFUSAL_RETRY,
  type RetryLimits,
  refusalOnlyRetries,
} from '../shared/aws';
import { OpsError } from '../shared/ops';

/** A synchronous Invoke answers when the consumer returns, up to Lambda's 900 s limit. */
export const INVOKE_TIMEOUT_MS = 960_000;

/**
 * The two Lambda clients of deployed-mode replay and redrive.
 * - `invoke` sends Invoke: the timeout only ends a request AWS never answers, and a call is sent again
 *   only when it certainly did not run (`refusalOnlyRetries`), since after a timeout, a reset or a 5xx
 *   the consumer may have run. No keep-alive: a pooled socket that the server closed during pause's
 *   35 s settle would turn the first Invoke into a reset that is not retried.
 * - `control` reads and flips event source mappings: those calls are safe to repeat and keep the SDK's
 *   retries, so a blip during resume cannot leave live consumption paused.
 */
export const deployedLambdaClients = (
  config: LambdaClientConfig,
  /** Tests shorten these. */
  invoke: { readonly timeoutMs?: number; readonly retry?: RetryLimits } = {},
) => ({
  invoke: new LambdaClient({
    ...config,
    requestHandler: createHttpHandler(
      { requestTimeout: invoke.timeoutMs ?? INVOKE_TIMEOUT_MS },
      { keepAlive: false },
    ),
    maxAttempts: (invoke.retry ?? REFUSAL_RETRY).maxAttempts,
    retryStrategy: refusalOnlyRetries(invoke.retry),
  }),
  control: new LambdaClient({ ...config, requestHandler: createHttpHandler() }),
});

/**
 * An Invoke that failed every send with an error proving it did not run (throttling, mostly) as an
 * OpsError that says so; undefined for any other error, which is passed on as it is.
 */
export const refusedInvoke = (error: unknown, consumer: string): OpsError | undefined => {
  const e = error as {
    name?: string;
    code?: string;
    $metadata?: { attempts?: number; httpStatusCode?: number; clockSkewCorrected?: boolean };
  };
  if (!certainlyNotRun({ errorType: '', error: e })) return undefined;
  return new OpsError(
    'DELIVERY_FAILED',
    `consumer ${consumer}: Lambda refused the Invoke ${e.$metadata?.attempts ?? 1} times (${e.name ?? e.code}), so these records did not run; run the command again (what already ran is not applied twice)`,
  );
};
