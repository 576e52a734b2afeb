import type { Server } from 'node:http';

/**
 * How long a local HTTP server keeps an idle keep-alive socket: far longer than clients keep theirs
 * (fetch keeps one for the server's `Keep-Alive: timeout` hint less 1 s; the SDK's agent until the
 * server closes it). Node's default is 5 s.
 */
export const IDLE_SOCKET_MS = 65_000;

/**
 * Keeps idle keep-alive sockets `IDLE_SOCKET_MS`. Why it matters: a server whose event loop stalls
 * past its idle timeout (a busy machine, an 11 MB body parsed in-process) runs the expired idle timer
 * before it reads the request a client has meanwhile sent on that socket, and destroys the socket
 * with the request unread: the client sees ECONNRESET for a request the server never saw
 * (`test/integration/local/keep-alive.test.ts` reproduces it with Node's timeout and a 12 s stall).
 * A stall has to outlast 65 s to do that now.
 */
export const keepIdleSockets = <S extends Server>(server: S): S => {
  server.keepAliveTimeout = IDLE_SOCKET_MS;
  // Node requires headersTimeout above keepAliveTimeout, or a slow reused socket is cut mid-headers.
  server.headersTimeout = IDLE_SOCKET_MS + 1_000;
  return server;
};
