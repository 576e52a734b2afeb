import { createServer } from 'node:net';
import { PortInUseError, type PortRole } from './errors';

const listenOnce = (port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    // No host: the dual-stack wildcard, so a port held on any interface counts as taken.
    server.listen({ port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      server.close(() => resolve(bound));
    });
  });

/**
 * Checks that `port` is free (or picks a free one when it is 0) and returns it. A picked port is
 * released before the emulator binds it, so another process could take it in between; the emulator's
 * readiness check then fails with its output, which is the best a child process allows.
 */
export const reservePort = async (role: PortRole, port: number): Promise<number> => {
  try {
    return await listenOnce(port);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EADDRINUSE') throw new PortInUseError(role, port, error);
    throw error;
  }
};

/** A free port for an internal listener nobody configures (kinesis-mock's own ports behind the proxy). */
export const freePort = (): Promise<number> => listenOnce(0);
