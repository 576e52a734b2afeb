import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { z } from 'zod';
import { BackboneAlreadyRunningError } from '../errors';
import { homePaths, readJsonFile, writeFileAtomic } from '../home';
import type { LocalLogger } from '../log';
import { stopGroup } from './process';

const pidFileSchema = z.object({
  runtimePid: z.number().int(),
  emulators: z.array(z.object({ name: z.string(), pid: z.number().int().positive() })),
});

export type PidFile = z.infer<typeof pidFileSchema>;

export const writePidFile = (home: string, content: PidFile): void =>
  writeFileAtomic(homePaths(home).pids, `${JSON.stringify(content, null, 2)}\n`);

export const removePidFile = (home: string): void => rmSync(homePaths(home).pids, { force: true });

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  }
};

const commandLine = (pid: number): string | undefined => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    try {
      return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    } catch {
      return undefined;
    }
  }
};

/** True only for a live java/node process whose command line names this data dir: never kill a reused pid. */
export const ownsPid = (pid: number, home: string): boolean => {
  if (!isAlive(pid)) return false;
  const command = commandLine(pid);
  return command !== undefined && /\b(java|node)\b/.test(command) && command.includes(home);
};

/**
 * Stops emulators orphaned by an earlier runtime that died without stopping them (kill -9, crash).
 * Throws when that runtime is still alive and still owns its emulators: two backbones must not share
 * one data dir. Returns whether an earlier run left its pid file (it did not stop cleanly): its
 * emulators may then still be releasing their ports.
 */
export const stopOrphans = async (home: string, log: LocalLogger): Promise<boolean> => {
  const previous = readJsonFile(homePaths(home).pids, pidFileSchema);
  if (!previous) return false;
  const owned = previous.emulators.filter((e) => ownsPid(e.pid, home));
  if (owned.length > 0 && previous.runtimePid !== process.pid && isAlive(previous.runtimePid))
    throw new BackboneAlreadyRunningError(home, previous.runtimePid);
  for (const emulator of owned) {
    log.warn(`stopping ${emulator.name} left running by an earlier run`, { pid: emulator.pid });
    await stopGroup(emulator.name, emulator.pid, () => isAlive(emulator.pid), log);
  }
  removePidFile(home);
  return true;
};
