import { connect, createServer } from 'node:net';
import {
  kinesisConnectionTap,
  listenOwned,
  type OwnedServer,
  type StreamActivity,
  trackSockets,
} from '../net';

/**
 * A TCP relay we own, so stopping can cut every client connection at once. Its `close` destroys every
 * open connection, ours and those of handler modules.
 */
export type TcpProxy = OwnedServer;

/**
 * Relays `127.0.0.1:listenPort` to `127.0.0.1:targetPort`.
 *
 * Why it exists: kinesis-mock only writes its final snapshot on SIGTERM after its HTTP server has
 * drained, and idle keep-alive connections (every SDK client keeps some, including the module-scope
 * clients of handlers we cannot reach) keep it from draining: measured here, it was still running 20 s
 * after SIGTERM, having persisted nothing since the last interval. Cutting the connections at the relay
 * first makes SIGTERM persist everything and exit in well under a second.
 */
export const startTcpProxy = (
  listenPort: number,
  targetPort: number,
  /** Told of each Kinesis write and reshard the target answered (local mode's pollers wake on it). */
  activity?: Pick<StreamActivity, 'notice'>,
): Promise<TcpProxy> => {
  const sockets = trackSockets();
  // noDelay on both legs: with Nagle's algorithm a relay holds small writes back until the peer's
  // delayed ACK (~40 ms on Linux), which stalls every request/response exchange through it.
  const server = createServer({ noDelay: true }, (client) => {
    const upstream = connect({ port: targetPort, host: '127.0.0.1', noDelay: true });
    sockets.track(client);
    sockets.track(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', cut);
    upstream.on('error', cut);
    client.on('close', cut);
    upstream.on('close', cut);
    if (activity) {
      const tap = kinesisConnectionTap(activity);
      client.on('data', tap.request);
      upstream.on('data', tap.response);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return listenOwned(server, listenPort, sockets.destroyAll);
};
