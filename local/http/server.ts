import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { HttpRoute } from '../../shared/ingress/routes';
import { lambdaContext } from '../context';
import type { LambdaHandler } from '../handler';
import type { LocalLogger } from '../log';
import { authenticate, producerIdentity } from './auth';
import { buildHttpEvent, type LocalHttpEvent } from './event';
import { type HttpAnswer, jsonAnswer, mapResult } from './response';
import { matchRoute } from './routes';

/** HTTP API payload limit. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** API Gateway's integration timeout; only feeds the context's remaining time. */
const INTEGRATION_TIMEOUT_MS = 30_000;

export interface IngressServerOptions {
  readonly port: number;
  readonly routes: readonly HttpRoute[];
  readonly handler: LambdaHandler<LocalHttpEvent>;
  /** Producer name to dev bearer token. */
  readonly tokens: Readonly<Record<string, string>>;
  readonly log: LocalLogger;
}

export interface IngressServer {
  readonly port: number;
  close(): Promise<void>;
}

const TOO_LARGE = jsonAnswer(413, { message: 'Request Entity Too Large' });

/**
 * Reads the body, or returns undefined once it passes the cap (the rest is read and dropped, not
 * buffered). Either way it settles only when the request has been read to its end: answering while
 * the client still uploads makes Node close the socket under it, and the client then sees a reset
 * instead of the 413 (seen under load in the hostile-input test).
 */
const readBody = (req: IncomingMessage): Promise<Buffer | undefined> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) chunks.length = 0;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });

const write = (res: ServerResponse, answer: HttpAnswer): void => {
  const headers: Record<string, string | string[]> = { ...answer.headers };
  if (answer.cookies.length > 0) headers['set-cookie'] = [...answer.cookies];
  res.writeHead(answer.statusCode, headers);
  res.end(answer.body);
};

const answer = async (
  req: IncomingMessage,
  options: IngressServerOptions,
  port: number,
): Promise<HttpAnswer> => {
  const url = req.url ?? '/';
  const match = matchRoute(options.routes, req.method ?? 'GET', url.split('?')[0] ?? '/');
  if (!match) return jsonAnswer(404, { message: 'Not Found' });
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
    await readBody(req);
    return TOO_LARGE;
  }

  let identity: ReturnType<typeof producerIdentity> | undefined;
  if (match.route.auth === 'producer') {
    const producer = authenticate(req.headers.authorization, options.tokens);
    if (!producer)
      return jsonAnswer(401, {
        code: 'UNAUTHENTICATED',
        message: `${match.routeKey} needs a producer token: send "Authorization: Bearer <token>" with a token from <SPINE_HOME>/endpoints.json.`,
      });
    identity = producerIdentity(producer);
  }
  const body = await readBody(req);
  if (!body) return TOO_LARGE;

  const event = buildHttpEvent(
    {
      method: req.method ?? 'GET',
      url,
      httpVersion: req.httpVersion,
      rawHeaders: req.rawHeaders,
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      localPort: port,
      body,
    },
    match,
    identity,
  );
  try {
    return mapResult(await options.handler(event, lambdaContext('spine-ingress', INTEGRATION_TIMEOUT_MS)));
  } catch (error) {
    // API Gateway hides function errors behind a bare 500; the detail goes to the log, as in CloudWatch.
    options.log.error('ingress handler threw', { routeKey: match.routeKey, error: String(error) });
    return jsonAnswer(500, { message: 'Internal Server Error' });
  }
};

/** Serves the ingress handler over HTTP on 127.0.0.1, playing the HTTP API and its IAM authorizer. */
export const startIngressServer = (options: IngressServerOptions): Promise<IngressServer> =>
  new Promise((resolve, reject) => {
    let port = options.port;
    const server = createServer((req, res) => {
      answer(req, options, port)
        .then((result) => write(res, result))
        .catch((error: unknown) => {
          options.log.error('ingress adapter failed', { error: String(error) });
          if (!res.headersSent) write(res, jsonAnswer(500, { message: 'Internal Server Error' }));
          else res.destroy();
        });
    });
    // Requests Node's HTTP parser refuses (CR/LF or NUL in a header, a malformed request line) get a
    // JSON 400 like the gateway's own errors, instead of Node's empty default answer.
    server.on('clientError', (_error, socket) => {
      if (!socket.writable) return socket.destroy();
      const body = JSON.stringify({ message: 'Bad Request' });
      socket.end(
        `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
    // An idle keep-alive socket is kept far longer than clients keep theirs (fetch: the server's hint
    // less 1 s). At Node's default 5 s, a busy event loop let the server close a socket a client was
    // reusing at that moment: the client saw ECONNRESET on GETs and POSTs alike (ingress-hostile and
    // example-order-flow at load ~18-22).
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    server.once('error', reject);
    server.listen({ port: options.port, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      port = typeof address === 'object' && address ? address.port : options.port;
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
