import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { IngressError, isIngressError } from './errors';

export type HttpResult = APIGatewayProxyStructuredResultV2;

/** Largest request body accepted: API Gateway HTTP API's own payload limit (10 MB). */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

export const json = (
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
  contentType = 'application/json',
): HttpResult => ({
  statusCode,
  headers: { 'content-type': contentType, ...headers },
  body: JSON.stringify(body),
});

/** Headers with lower-cased names: API Gateway v2 lower-cases them already, local callers may not. */
export const lowerHeaders = (event: APIGatewayProxyEventV2): Map<string, string> => {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) out.set(name.toLowerCase(), value);
  }
  return out;
};

const utf8 = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true });

/**
 * The body as text. API Gateway base64-encodes bodies it does not take for text (and local mode does so
 * for declared text that is not UTF-8); JSON must be UTF-8 (RFC 8259), so invalid bytes are a 400 rather
 * than silently becoming U+FFFD in a stored event.
 */
export const bodyText = (event: APIGatewayProxyEventV2): string => {
  const raw = event.body ?? '';
  if (!event.isBase64Encoded) return raw;
  try {
    return utf8.decode(Buffer.from(raw, 'base64'));
  } catch (cause) {
    throw new IngressError('MALFORMED_REQUEST', 'The request body is not valid UTF-8.', [], undefined, {
      cause,
    });
  }
};

export const errorBody = (error: IngressError): Record<string, unknown> => ({
  code: error.code,
  message: error.message,
  ...(error.problems.length > 0 ? { errors: error.problems } : {}),
  ...error.extra,
});

/**
 * Maps an error to the answer. Only `IngressError`s speak: anything else is a 500 with a fixed body,
 * so a bug or an SDK message never leaks stream names, ARNs or stack traces to a caller.
 */
export const errorResponse = (error: unknown): HttpResult => {
  if (!isIngressError(error))
    return json(500, { code: 'INTERNAL', message: 'The ingress failed unexpectedly; retry later.' });
  const headers: Record<string, string> =
    error.retryAfterSeconds === undefined ? {} : { 'retry-after': String(error.retryAfterSeconds) };
  return json(error.status, errorBody(error), headers);
};
