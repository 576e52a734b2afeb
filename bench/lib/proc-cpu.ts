import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * CPU time of whole processes (every thread: a JVM's GC and JIT threads, Node's libuv pool), read from
 * `/proc/<pid>/stat` (Linux). Used by run 2b to split a load window's CPU between the processes on the
 * path: the load generator measures its own window and reads the others' at its start and end, so every
 * figure covers the same seconds.
 */

/** Clock ticks per second of `/proc/<pid>/stat`'s times (USER_HZ; 100 on Linux builds seen here). */
const ticksPerSecond = (() => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

/** Resolution of `cpuMsOf`: one clock tick, in ms (10 ms at 100 ticks/s). */
export const TICK_MS = 1000 / ticksPerSecond;

/**
 * User + system CPU ms the process `pid` has used so far (fields 14 and 15 of `/proc/<pid>/stat`; the
 * command name in field 2 may hold spaces, so fields are counted after its closing parenthesis).
 */
export const cpuMsOf = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: field 3 (state) is index 0, so utime (14) is index 11 and stime (15) index 12.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unreadable /proc/${pid}/stat`);
  return ((utime + stime) * 1000) / ticksPerSecond;
};

/** The processes a window is measured on, by role (e.g. runtime, kinesis, dynamodb). */
export const processPidsSchema = z.record(z.string(), z.number().int().positive());
export type ProcessPids = z.infer<typeof processPidsSchema>;

/** CPU ms per process over one window; `generator` is the measuring process itself (µs-precise). */
export const cpuWindowSchema = z.object({
  wallMs: z.number(),
  generator: z.number(),
  others: z.record(z.string(), z.number()),
});
export type CpuWindow = z.infer<typeof cpuWindowSchema>;

/** Starts a window now; `stop()` returns the CPU each process used since, and the wall time. */
export const startCpuWindow = (pids: ProcessPids): { stop(): CpuWindow } => {
  const wall = performance.now();
  const own = process.cpuUsage();
  const before = Object.entries(pids).map(([role, pid]) => ({ role, pid, ms: cpuMsOf(pid) }));
  return {
    stop: () => {
      const others = Object.fromEntries(before.map((b) => [b.role, cpuMsOf(b.pid) - b.ms]));
      const used = process.cpuUsage(own);
      return { wallMs: performance.now() - wall, generator: (used.user + used.system) / 1000, others };
    },
  };
};
