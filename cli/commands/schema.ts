import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  checkLock,
  formatLockProblem,
  LOCK_FILE,
  lockCatalog,
  parseLock,
  renderLock,
  type SchemaLock,
} from '../../shared/evolution';
import { loadCatalog } from '../catalog';
import type { CliIo, GlobalOptions } from '../context';

const count = (lock: SchemaLock) => {
  const types = Object.values(lock.eventTypes);
  return `${types.length} event types, ${types.reduce((n, t) => n + Object.keys(t.versions).length, 0)} versions`;
};

const where = async (io: CliIo, command: Command) => {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const root = resolve(globals.root ?? io.cwd);
  const catalog = await loadCatalog(root, globals.catalog ?? io.env.SPINE_CATALOG);
  const file = resolve(root, LOCK_FILE);
  const lock = existsSync(file) ? parseLock(await readFile(file, 'utf8')) : undefined;
  return { catalog, file, lock };
};

/** `spine schema check`: exit 1 with one compiler-style line per problem, 0 when the catalog keeps its lock. */
export const schemaCheck = async (io: CliIo, command: Command): Promise<number> => {
  const { catalog, lock } = await where(io, command);
  if (!lock) {
    io.err(`${LOCK_FILE}: missing; run \`npx spine schema lock\` and commit it`);
    return 1;
  }
  const problems = checkLock(catalog, lock);
  for (const problem of problems) io.err(formatLockProblem(problem));
  if (problems.length > 0) {
    io.err(`spine schema check: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
    return 1;
  }
  const current = lockCatalog(catalog);
  const fresh = Object.entries(current.eventTypes).flatMap(([type, t]) =>
    Object.keys(t.versions)
      .filter((v) => lock.eventTypes[type]?.versions[v] === undefined)
      .map((v) => `${type} v${v}`),
  );
  io.out(
    `${LOCK_FILE}: ok (${count(current)}; ${fresh.length ? `new and compatible: ${fresh.join(', ')}` : 'all locked'})`,
  );
  return 0;
};

/**
 * `spine schema lock`: writes the catalog's versions to the lock. Refuses while `check` finds problems
 * (an edited or removed version, a breaking new one) unless `--force`. The first lock adopts the
 * versions already published as they are, printing their incompatibilities as warnings.
 */
export const schemaLock = async (
  io: CliIo,
  command: Command,
  options: { force?: boolean },
): Promise<number> => {
  const { catalog, file, lock } = await where(io, command);
  const problems = checkLock(catalog, lock ?? { lockVersion: 1, eventTypes: {} });
  const blocking = lock !== undefined && !options.force;
  for (const problem of problems)
    io.err(`${formatLockProblem(problem)}${blocking ? '' : ' (warning: locked as published)'}`);
  if (blocking && problems.length > 0) {
    io.err(
      `spine schema lock: ${LOCK_FILE} unchanged; fix the catalog, or pass --force to accept these changes`,
    );
    return 1;
  }
  const next = lockCatalog(catalog);
  await writeFile(file, renderLock(next));
  io.out(`${LOCK_FILE}: locked ${count(next)}`);
  return 0;
};

/** Registers `spine schema lock|check`; they read only the catalog and the lock, no backbone needed. */
export const registerSchemaCommands = (program: Command, io: CliIo, exit: (code: number) => void): void => {
  const schema = program
    .command('schema')
    .description(`schema evolution: lock published versions in ${LOCK_FILE}, check new ones`);
  schema
    .command('lock')
    .description(`write every event type's versions (canonical form + sha256) to ${LOCK_FILE}`)
    .option('--force', 'lock even edited, removed or breaking versions (only for versions never published)')
    .action(async (options: { force?: boolean }, command: Command) =>
      exit(await schemaLock(io, command, options)),
    );
  schema
    .command('check')
    .description(`fail on an edited or removed locked version, or a new version breaking its type's mode`)
    .action(async (_options: unknown, command: Command) => exit(await schemaCheck(io, command)));
};
