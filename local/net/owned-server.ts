import type { Server, Socket } from 'node:net';

/** A local server we own, on 127.0.0.1, whose stop cuts every connection it tracks at once. */
export interface OwnedServer {
  readonly port: number;
  /**
   * Destroys every tracked connection, then stops listening. Idle keep-alive connections (every SDK
   * client keeps some, including module-scope clients we cannot reach) would otherwise hold the server,
   * and whatever waits for it to drain, open indefinitely.
   */
  close(): Promise<void>;
}

/** The open sockets of a server, so that stopping can destroy them all. */
export interface SocketSet {
  /** Remembers `socket` until it closes. */
  track(socket: Socket): void;
  /** Destroys every socket still open. */
  destroyAll(): void;
}

export const trackSockets = (): SocketSet => {
  const sockets = new Set<Socket>();
  return {
    track(socket) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    },
    destroyAll() {
      for (const socket of sockets) socket.destroy();
    },
  };
};

/**
 * Listens on `127.0.0.1:listenPort` (0 = a free port; exclusive, so a port already taken fails here
 * instead of being shared) and resolves once bound. `close` first runs `cut` (destroy the tracked
 * sockets, and any agent of the server's own), then closes the server; a listen error rejects.
 */
export const listenOwned = (server: Server, listenPort: number, cut: () => void): Promise<OwnedServer> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: listenPort, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : listenPort;
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            cut();
            server.close(() => done());
          }),
      });
    });
  });
