import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listenOwned, type OwnedServer, trackSockets } from '../../local/net';

const opened: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close();
});

/** A server that keeps every connection open and idle, as an SDK client's keep-alive pool does. */
const idleServer = async (listenPort = 0) => {
  const sockets = trackSockets();
  const server = createServer((socket) => sockets.track(socket));
  const owned = await listenOwned(server, listenPort, sockets.destroyAll);
  opened.push({ close: () => server.listening && owned.close() });
  return owned;
};

const connected = async (server: OwnedServer): Promise<Socket> => {
  const client = connect({ port: server.port, host: '127.0.0.1' });
  opened.push({ close: () => client.destroy() });
  await once(client, 'connect');
  return client;
};

describe('listenOwned', () => {
  it('binds a free port when asked for port 0, and serves on it', async () => {
    // Act
    const server = await idleServer();
    const client = await connected(server);
    // Assess
    expect(server.port).toBeGreaterThan(0);
    expect(client.remotePort).toBe(server.port);
  });

  it('closes at once with idle connections open, cutting each of them', async () => {
    // Prepare
    const server = await idleServer();
    const clients = [await connected(server), await connected(server)];
    const cut = Promise.all(clients.map((c) => once(c, 'close')));
    // Act
    const closed = await Promise.race([
      server.close().then(() => 'closed'),
      new Promise((resolve) => setTimeout(resolve, 5_000, 'still open after 5 s')),
    ]);
    // Assess
    expect(closed).toBe('closed');
    await cut;
    expect(clients.every((c) => c.destroyed)).toBe(true);
  });

  it('rejects a port another server already listens on', async () => {
    // Prepare
    const first = await idleServer();
    // Act
    const second = idleServer(first.port);
    // Assess
    await expect(second).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
