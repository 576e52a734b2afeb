import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCatalog } from '../cli/catalog';
import { localContext } from '../cli/local';
import { type ConsoleServer, DEFAULT_CONSOLE_PORT, startConsole } from '../console';
import type { Catalog } from '../shared/catalog';
import { isOpsError } from '../shared/ops';
import { DEFAULT_PORTS, isLocalModeError, startBackbone } from './index';

/**
 * `npm start`: the whole backbone on this machine, and the web console, for the project in the current
 * directory: its `catalog.ts` (or `$SPINE_CATALOG`), service entries and `functions/ingress.ts`. Flags:
 * `--fresh` (start from empty streams and tables). Env: SPINE_PORT, SPINE_KINESIS_PORT,
 * SPINE_DYNAMODB_PORT, SPINE_HOME, SPINE_CATALOG, SPINE_CONSOLE_PORT (`off`: no console). A project that
 * installed Spine runs it as `spine start`.
 *
 * In this repo, run as `node --import tsx local/main.ts` (what `npm start` does, through `exec` so npm's forwarded
 * SIGINT/SIGTERM reach this process), never through the `tsx` launcher: under load it SIGKILLs its
 * child about 30 ms after forwarding a signal, before the stop below can run. If this process dies
 * anyway, the emulators follow it on their own (local/emulators/leash.ts).
 */
/** How often the parent is checked: the longest a parent-less backbone keeps its ports. */
const PARENT_CHECK_MS = 500;

const port = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    console.error(`${name}=${raw} is not a port number (0..65535).`);
    process.exit(2);
  }
  return value;
};

const main = async (): Promise<void> => {
  const { values } = parseArgs({ options: { fresh: { type: 'boolean', default: false } }, strict: true });
  const root = resolve(process.cwd());
  const started = Date.now();
  const catalog = await loadCatalog(root, process.env.SPINE_CATALOG || undefined);
  const starting = startBackbone({
    catalog,
    root,
    home: process.env.SPINE_HOME || undefined,
    fresh: values.fresh,
    ports: {
      ingress: port('SPINE_PORT', DEFAULT_PORTS.ingress),
      kinesis: port('SPINE_KINESIS_PORT', DEFAULT_PORTS.kinesis),
      dynamodb: port('SPINE_DYNAMODB_PORT', DEFAULT_PORTS.dynamodb),
    },
  });

  const consolePort =
    process.env.SPINE_CONSOLE_PORT === 'off' ? undefined : port('SPINE_CONSOLE_PORT', DEFAULT_CONSOLE_PORT);
  let webConsole: Promise<ConsoleServer | undefined> = Promise.resolve(undefined);

  // Registered before startup finishes: a Ctrl+C while emulators boot still stops them.
  let stopping = false;
  const shutdown = (reason: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n[spine] ${reason}: stopping...`);
    const began = Date.now();
    // The console first: its open streams would otherwise keep reading emulators being stopped.
    webConsole
      .then((server) => server?.close())
      .then(() => starting)
      .then((backbone) => backbone.stop())
      .then(
        () => {
          console.log(`[spine] stopped in ${Date.now() - began} ms`);
          process.exit(exitCode);
        },
        (error: unknown) => {
          console.error('[spine] stop failed:', isLocalModeError(error) ? error.message : error);
          process.exit(1);
        },
      );
  };
  // SIGHUP: the terminal closed. Node's default would exit without stopping anything.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => shutdown(signal));
  // A parent that dies without passing a signal on (SIGKILLed npm, a shell that does not forward)
  // leaves this process adopted by another: stop then, rather than hold the ports for nobody.
  const parent = process.ppid;
  if (parent > 1)
    setInterval(() => {
      if (process.ppid !== parent) shutdown(`parent process ${parent} exited`);
    }, PARENT_CHECK_MS).unref();

  const { endpoints, producers, home, failure } = await starting;
  void failure.then((error) => {
    console.error(`\n[spine] ${error.message}`);
    shutdown(`${error.emulator} exited`, 1);
  });
  if (stopping) return;
  webConsole = consoleFor(catalog, root, home, consolePort);
  const server = await webConsole;
  if (stopping) return;
  console.log(`
  Spine local backbone
    ingress   ${endpoints.ingress}   (try: curl ${endpoints.ingress}/health)
    kinesis   ${endpoints.kinesis}
    dynamodb  ${endpoints.dynamodb}
    console   ${server?.url ?? '(off)'}
    data dir  ${home}   (tokens for producers: ${Object.keys(producers).join(', ') || 'none'} in endpoints.json)
  ready in ${Date.now() - started} ms. Ctrl+C to stop.
`);
};

/** The web console on the running backbone; a console that cannot start is reported, not fatal. */
const consoleFor = async (catalog: Catalog, root: string, home: string, port: number | undefined) => {
  if (port === undefined) return undefined;
  try {
    // startBackbone set this process's environment for the handlers: setting it again is the CLI's job.
    const ctx = await localContext(catalog, root, home, { environmentSet: true });
    const server = await startConsole({ ctx, port, intervalMs: 2_000 }).catch((error: unknown) => {
      ctx.close();
      throw error;
    });
    return { ...server, close: () => server.close().finally(ctx.close) };
  } catch (error) {
    console.error(
      `[spine] web console not started: ${error instanceof Error ? error.message : String(error)}`,
    );
    return undefined;
  }
};

main().catch((error: unknown) => {
  console.error(isLocalModeError(error) || isOpsError(error) ? `\n[spine] ${error.message}\n` : error);
  process.exit(1);
});
