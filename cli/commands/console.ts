import { DEFAULT_CONSOLE_PORT, startConsole } from '../../console';
import type { CliIo, OpsContext } from '../context';

export interface ConsoleCommandOptions {
  readonly port: number;
  /** Live sampling interval; default 2 s locally, 15 s on a deployed stack (see below). */
  readonly interval?: number;
  readonly deployed: boolean;
}

/**
 * A sample makes one GetRecords per open shard (shared/ops `LagTracker`): on a deployed stack that is
 * a share of the shard's 5 GetRecords/s that live consumers need, hence the longer default there.
 */
const DEFAULT_INTERVAL_MS = { local: 2_000, deployed: 15_000 };

/**
 * `spine console`: serves the web console on 127.0.0.1 until Ctrl-C, on the same adapter as every
 * other command (local mode, or `--stack` with the operator's credentials, which stay in this process).
 */
export const consoleCommand = async (
  ctx: OpsContext,
  io: CliIo,
  options: ConsoleCommandOptions,
): Promise<number> => {
  const server = await startConsole({
    ctx,
    port: options.port,
    intervalMs: options.interval ?? DEFAULT_INTERVAL_MS[options.deployed ? 'deployed' : 'local'],
    log: (error) =>
      io.err(`console: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
  });
  io.out(`Spine console for ${ctx.target}: ${server.url}  (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
  return 0;
};

export { DEFAULT_CONSOLE_PORT };
