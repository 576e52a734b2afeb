import type { IncomingMessage, ServerResponse } from 'node:http';
import { isOpsError, type OpsErrorCode } from '../../shared/ops';
import type { ErrorBody } from '../api-types';
import { ConsoleError, isConsoleError } from './errors';

const OPS_STATUS: Record<OpsErrorCode, number> = {
  INVALID_POSITION: 400,
  INVALID_ARGUMENT: 400,
  CONFIRMATION_REQUIRED: 400,
  UNKNOWN_SERVICE: 404,
  UNKNOWN_TOPIC: 404,
  NOT_SUBSCRIBED: 404,
  PARKED_NOT_FOUND: 404,
  SESSION_CONFLICT: 409,
  PARKED_INCOMPLETE: 409,
  MAY_BE_APPLIED: 409,
  DELIVERY_FAILED: 502,
  NOT_CONFIGURED: 503,
  PAUSE_TIMEOUT: 504,
};

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  // No framing by another site (clickjacking of the redrive and discard buttons).
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
};

export const send = (res: ServerResponse, status: number, type: string, body: string | Uint8Array): void => {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type });
  res.end(body);
};

export const sendJson = (res: ServerResponse, status: number, body: unknown): void =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));

/**
 * Translates an error to HTTP at the edge: refusals and operator errors say exactly what is wrong,
 * anything else is a 500 that reveals nothing (the terminal running the console gets the detail).
 */
export const sendError = (res: ServerResponse, error: unknown, log: (error: unknown) => void): void => {
  let status = 500;
  let body: ErrorBody = {
    error: 'internal error; the terminal running the console has the details',
    code: 'INTERNAL',
  };
  if (isConsoleError(error)) {
    status = error.status;
    body = { error: error.message, code: error.code };
  } else if (isOpsError(error)) {
    status = OPS_STATUS[error.code];
    body = { error: error.message, code: error.code };
  }
  if (status >= 500) log(error);
  if (res.headersSent) res.end();
  else sendJson(res, status, body);
};

/** Reads a small JSON body (the discard reason); anything else is a 400 naming what was wrong. */
export const readJson = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
    throw new ConsoleError('BAD_REQUEST', 'POST bodies must be application/json');
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 16 * 1024) throw new ConsoleError('BAD_REQUEST', 'body over 16 KB');
  }
  if (text === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { ...value };
  } catch {
    // answered below
  }
  throw new ConsoleError('BAD_REQUEST', 'body is not a JSON object');
};

/** Starts a server-sent event stream; `push` writes one named event, `closed` aborts when the page goes. */
export const openStream = (req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream', connection: 'keep-alive' });
  res.write(': spine console\n\n');
  const closed = new AbortController();
  req.on('close', () => closed.abort());
  return {
    signal: closed.signal,
    push(event: string, data: unknown) {
      if (!closed.signal.aborted) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
  };
};
