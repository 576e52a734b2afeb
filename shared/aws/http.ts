import { NodeHttpHandler } from '@smithy/node-http-handler';

/** How long a connection may take to open, and a request to answer, in milliseconds. */
export interface HttpTimeouts {
  readonly connectionTimeout?: number;
  readonly requestTimeout?: number;
}

/** Spine's timeouts for AWS endpoints: a request that has not answered within 10 s fails and is retried. */
export const HTTP_TIMEOUTS = { connectionTimeout: 2_000, requestTimeout: 10_000 } as const;

/**
 * The one way Spine builds an HTTP/1.1 handler for an SDK client. The SDK's own handler only logs a
 * warning when `requestTimeout` passes (`throwOnRequestTimeout` is off by default), so a request that
 * never answers, such as an emulator's first call while it is still starting, hangs its caller for
 * good; here every request that outlives its timeout fails, and the SDK's retries take over. Clients
 * built without a handler get the SDK's default, which has no request timeout at all.
 */
export const createHttpHandler = (
  timeouts: HttpTimeouts = {},
  /**
   * `keepAlive: false` opens a connection per request: then a reset can only come from the request
   * itself, never from a pooled socket the server closed while idle (see cli/lambda-clients.ts).
   */
  options: { readonly keepAlive?: boolean } = {},
): NodeHttpHandler =>
  new NodeHttpHandler({
    // A timeout of 0 or undefined means "none" to the SDK: only a positive value replaces a default.
    connectionTimeout: positiveOr(timeouts.connectionTimeout, HTTP_TIMEOUTS.connectionTimeout),
    requestTimeout: positiveOr(timeouts.requestTimeout, HTTP_TIMEOUTS.requestTimeout),
    throwOnRequestTimeout: true,
    ...(options.keepAlive === false && {
      httpAgent: { keepAlive: false },
      httpsAgent: { keepAlive: false },
    }),
  });

const positiveOr = (value: number | undefined, fallback: number): number =>
  value !== undefined && value > 0 ? value : fallback;
