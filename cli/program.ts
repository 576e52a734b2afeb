import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { isOpsError, parsePosition, type ReplayMode } from '../shared/ops';
import { loadCatalog } from './catalog';
import { consoleCommand, DEFAULT_CONSOLE_PORT } from './commands/console';
import { initCommand } from './commands/init';
import { parkedDiscard, parkedList, parkedRedrive, parkedShow } from './commands/parked';
import { pauseCommand } from './commands/pause';
import { publishCommand } from './commands/publish';
import { replayCommand } from './commands/replay';
import { reshardCommand } from './commands/reshard';
import { registerSchemaCommands } from './commands/schema';
import { statusCommand } from './commands/status';
import { tailCommand } from './commands/tail';
import type { CliIo, GlobalOptions, OpsContext } from './context';

const position = (value: string) => {
  try {
    return parsePosition(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
};
const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
};
const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Maps errors to exit codes: 2 usage, 3 operator error (the message says what to change), 1 other. */
const failure = (io: CliIo, error: unknown): number => {
  if (isOpsError(error)) {
    io.err(`spine: ${error.message} [${error.code}]`);
    return error.code === 'CONFIRMATION_REQUIRED' ||
      error.code === 'INVALID_ARGUMENT' ||
      error.code === 'MAY_BE_APPLIED'
      ? 2
      : 3;
  }
  io.err(`spine: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  return 1;
};

/**
 * Runs the `spine` CLI on `argv` (without the node and script paths) and resolves with the exit code.
 * In-process so tests can drive it; `cli/main.ts` wires it to the real process.
 */
export const runCli = async (argv: readonly string[], io: CliIo): Promise<number> => {
  let code = 0;
  const program = new Command('spine')
    .description(
      'Operate a Spine backbone: lag, tail, publish, replay, parking lot. Local mode unless --stack.',
    )
    .option('--json', 'machine-readable output')
    .option('--stack <name>', 'operate a deployed stack (resources from its CloudFormation outputs)')
    .option('--profile <name>', 'AWS profile for --stack')
    .option('--region <region>', 'AWS region for --stack')
    .option('--home <dir>', 'local mode data dir (default $SPINE_HOME or ./.spine)')
    .option('--root <dir>', 'project root (catalog and service entries)', io.cwd)
    .option('--catalog <path>', 'catalog module, relative to the root (default $SPINE_CATALOG or catalog.ts)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError();

  const withContext =
    <A extends unknown[]>(run: (ctx: OpsContext, globals: GlobalOptions, ...args: A) => Promise<number>) =>
    async (...args: A) => {
      const command = args.at(-1) as Command;
      const globals = command.optsWithGlobals<GlobalOptions>();
      const root = resolve(globals.root ?? io.cwd);
      const catalog = await loadCatalog(root, globals.catalog ?? io.env.SPINE_CATALOG);
      const ctx = globals.stack
        ? await (await import('./deployed')).deployedContext(catalog, globals.stack, {
            ...(globals.profile && { profile: globals.profile }),
            ...(globals.region && { region: globals.region }),
          })
        : await (await import('./local')).localContext(catalog, root, globals.home ?? io.env.SPINE_HOME);
      try {
        code = await run(ctx, globals, ...args);
      } finally {
        ctx.close();
      }
    };

  program
    .command('status')
    .description('lag per service, topic and shard (events and time), last error, parking-lot depth')
    .option('--service <name>', 'only this service')
    .option('--limit <n>', 'count at most n records of lag per shard', positiveInt, 10_000)
    .action(
      withContext((ctx, g, o: { service?: string; limit: number }) =>
        statusCommand(ctx, io, { ...o, ...(g.json && { json: true }) }),
      ),
    );

  program
    .command('tail <topic>')
    .description("print a topic's events as they arrive, decoded (like kafka-console-consumer)")
    .addOption(
      new Option('--from <position>', 'start, latest, a time (ISO, epoch, 15m) or a sequence number')
        .argParser(position)
        .default(parsePosition('latest'), 'latest'),
    )
    .option('--key <key>', 'only events with this key')
    .option('--type <type>', 'only events of this type')
    .option('--no-follow', 'stop at the tip instead of waiting for new events')
    .option('--limit <n>', 'stop after n events', positiveInt)
    .action(
      withContext(
        (
          ctx,
          g,
          topic: string,
          o: {
            from: ReturnType<typeof parsePosition>;
            key?: string;
            type?: string;
            follow: boolean;
            limit?: number;
          },
        ) => tailCommand(ctx, io, topic, { ...o, ...(g.json && { json: true }) }),
      ),
    );

  program
    .command('publish <topic>')
    .description('publish one event through the ingress (validated and authorized like any producer)')
    .requiredOption('--type <type>', 'event type')
    .requiredOption('--data <json>', 'event data as JSON')
    .option('--key <key>', "partition key (default: the type's key field)")
    .option('--producer <name>', 'local mode: whose dev token to use (default: the only producer)')
    .action(
      withContext(
        (ctx, g, topic: string, o: { type: string; data: string; key?: string; producer?: string }) =>
          publishCommand(ctx, io, topic, { ...o, ...(g.json && { json: true }) }),
      ),
    );

  program
    .command('replay <service>')
    .description(
      're-deliver a range of a topic to a service, in order per shard; Ctrl-C stops, rerun resumes',
    )
    .requiredOption('--topic <topic>', 'the subscribed topic to replay')
    .addOption(
      new Option('--from <position>', 'start, checkpoint, a time (ISO, epoch, 15m) or a sequence number')
        .argParser(position)
        .default(parsePosition('checkpoint'), 'checkpoint'),
    )
    .option('--to <position>', 'inclusive end: a time or a sequence number (default: the tip)', position)
    .addOption(
      new Option(
        '--mode <mode>',
        'live: through the live checkpoint; rebuild: recompute keys; session: own scope',
      )
        .choices(['live', 'rebuild', 'session'])
        .default('live'),
    )
    .option('--tables <names>', 'rebuild: state tables to recompute (comma-separated; default all)', (v) =>
      v.split(','),
    )
    .option('--dry-run', 'print the plan, change nothing')
    .option('--abandon', 'drop an unfinished session of this subscription instead of resuming it')
    .addOption(
      new Option(
        '--emits <what>',
        'publish or suppress the events re-applied events emit (rebuild always suppresses; session defaults to suppress; live to publish — use suppress after a PITR restore)',
      ).choices(['publish', 'suppress']),
    )
    .action(
      withContext(
        (
          ctx,
          g,
          service: string,
          o: {
            topic: string;
            from: ReturnType<typeof parsePosition>;
            to?: ReturnType<typeof parsePosition>;
            mode: ReplayMode;
            tables?: string[];
            dryRun?: boolean;
            abandon?: boolean;
            emits?: 'publish' | 'suppress';
          },
        ) => replayCommand(ctx, io, service, { ...o, ...(g.json && { json: true }) }),
      ),
    );

  for (const action of ['pause', 'resume'] as const)
    program
      .command(`${action} <service>`)
      .description(
        `${action} live delivery of one subscription (local: ESM flag; deployed: event source mapping)`,
      )
      .requiredOption('--topic <topic>', 'the subscribed topic')
      .action(
        withContext((ctx, g, service: string, o: { topic: string }) =>
          pauseCommand(ctx, io, action, service, { ...o, ...(g.json && { json: true }) }),
        ),
      );

  program
    .command('reshard <topic>')
    .description('local mode: split or merge a topic to N open shards while events flow')
    .requiredOption('--shards <n>', 'open shards wanted', positiveInt)
    .action(
      withContext((ctx, g, topic: string, o: { shards: number }) =>
        reshardCommand(ctx, io, topic, {
          ...o,
          deployed: g.stack !== undefined,
          ...(g.json && { json: true }),
        }),
      ),
    );

  // Project commands: no backbone, no catalog. `spine start` (local mode) is dispatched by bin.mjs.
  program
    .command('init <dir>')
    .description('write a new Spine project into DIR: one topic, one service, a test, the CDK app')
    .option('--spine <spec>', 'how the project depends on Spine (default: ^ this version)')
    .action((dir: string, o: { spine?: string }) => {
      code = initCommand(io, dir, o);
    });
  program.addHelpText(
    'after',
    '\n`spine start` runs the project in the current directory locally (npm start).',
  );
  program
    .command('console')
    .description('serve the web console on 127.0.0.1: lag, live tail, events by key, parking lot, catalog')
    .option('--port <n>', 'port on 127.0.0.1', positiveInt, DEFAULT_CONSOLE_PORT)
    .option('--interval <ms>', 'live sampling interval (default 2000 local, 15000 with --stack)', positiveInt)
    .action(
      withContext((ctx, g, o: { port: number; interval?: number }) =>
        consoleCommand(ctx, io, { ...o, deployed: g.stack !== undefined }),
      ),
    );

  registerSchemaCommands(program, io, (exit) => {
    code = exit;
  });

  const parked = program.command('parked').description('the parking lot: events a service could not apply');
  const filters = (c: Command) =>
    c
      .option('--service <name>', 'only this service')
      .option('--topic <topic>', 'only this topic')
      .option('--seq <n>', 'only this sequence number (repeatable)', collect);
  filters(parked.command('list').description('list parked events')).action(
    withContext((ctx, g, o: { service?: string; topic?: string; seq?: string[] }) =>
      parkedList(ctx, io, { ...o, ...(g.json && { json: true }) }),
    ),
  );
  parked
    .command('show <seq>')
    .description('show one parked event with its decoded envelope')
    .option('--service <name>', 'only this service')
    .action(withContext((ctx, _g, seq: string, o: { service?: string }) => parkedShow(ctx, io, seq, o)));
  filters(parked.command('redrive').description('re-deliver parked events exactly once, in order per key'))
    .option('--dry-run', 'list what would be redriven, change nothing')
    .option('--force', 'also redrive events parked as possibly applied (check their effect first)')
    .action(
      withContext(
        (
          ctx,
          g,
          o: { service?: string; topic?: string; seq?: string[]; dryRun?: boolean; force?: boolean },
        ) => parkedRedrive(ctx, io, { ...o, ...(g.json && { json: true }) }),
      ),
    );
  filters(parked.command('discard').description('delete parked events for good, keeping an audit record'))
    .option('--all', 'every parked event of the service (and topic)')
    .option('--reason <text>', 'why, for the audit record')
    .option('--yes', 'confirm')
    .action(
      withContext(
        (
          ctx,
          g,
          o: {
            service?: string;
            topic?: string;
            seq?: string[];
            all?: boolean;
            reason?: string;
            yes?: boolean;
          },
        ) => parkedDiscard(ctx, io, { ...o, ...(g.json && { json: true }) }),
      ),
    );

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    return failure(io, error);
  }
};
