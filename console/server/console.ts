import { createServer } from 'node:http';
import type { OpsContext } from '../../cli/context';
import { keepIdleSockets } from '../../local/net';
import { ConsoleError } from './errors';
import { guardRequest } from './guard';
import { LagHistory } from './history';
import { buildPage } from './page';
import { sendError } from './respond';
import { matchRoute } from './routes';
import { LiveSampler } from './sampler';

export interface ConsoleOptions {
  /** The CLI's adapter for local mode or a deployed stack; its credentials stay in this process. */
  readonly ctx: OpsContext;
  /** 0 picks a free port. @default 4100 */
  readonly port?: number;
  /** Live views sample lag this often (one GetRecords per open shard per sample: `LagTracker`). */
  readonly intervalMs: number;
  /** Where failures the page cannot show in detail go. @default console.error */
  readonly log?: (error: unknown) => void;
}

export interface ConsoleServer {
  readonly url: string;
  readonly port: number;
  /** Stops sampling, ends every open stream and closes the socket. */
  close(): Promise<void>;
}

export const DEFAULT_CONSOLE_PORT = 4100;

/**
 * Serves the web console on 127.0.0.1 only: the page, its JSON API and server-sent live views, all
 * through `shared/ops` and the CLI's adapters. Requests naming another Host or Origin are refused
 * with 403, so neither another machine nor another site in the operator's browser can drive it.
 *
 * @example
 * const server = await startConsole({ ctx: await localContext(catalog, root, home), intervalMs: 2_000 });
 * console.log(server.url);
 */
export const startConsole = async (options: ConsoleOptions): Promise<ConsoleServer> => {
  const log = options.log ?? ((error: unknown) => console.error('[console]', error));
  const page = await buildPage();
  const history = new LagHistory();
  const sampler = new LiveSampler(options.ctx, history, options.intervalMs, log);
  const deps = { ctx: options.ctx, sampler, history, page, log };
  let port = options.port ?? DEFAULT_CONSOLE_PORT;
  // The page's fetches and live views reuse keep-alive sockets: see keepIdleSockets.
  const server = keepIdleSockets(
    createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const route = async () => {
        guardRequest(req.headers, port);
        const { run, params } = matchRoute(req.method ?? 'GET', url.pathname);
        await run(deps, { req, res, url, params });
      };
      route().catch((error: unknown) => sendError(res, error, log));
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new ConsoleError('PORT_IN_USE', `port ${port} is in use; pick another with --port`, {
              cause: error,
            })
          : error,
      ),
    );
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address !== null && typeof address === 'object') port = address.port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    async close() {
      await sampler.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
