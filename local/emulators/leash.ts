/**
 * The leash: how an emulator dies with the runtime that started it, whatever the runtime died of.
 *
 * Every emulator gets a pipe as stdin whose write end only the runtime holds. The kernel closes that
 * end when the runtime exits for any reason (SIGKILL, OOM kill, crash, a tsx or npm parent that gave up
 * on it), and the emulator side turns EOF into SIGTERM: its clean shutdown, which for kinesis-mock
 * includes a final save. A signal handler in the runtime could not do this: a SIGKILL runs no handler.
 *
 * - kinesis-mock is a Node program: `kinesis-preload.cjs`, loaded into it, watches stdin itself.
 * - DynamoDB Local (java) cannot be taught to, so it starts through `sh`: a background watcher reads
 *   the pipe, then `exec` turns the shell into java, so java keeps the pid (and process group) the
 *   runtime recorded. The watcher stays in that group and is stopped with it.
 */

/** Env var that tells `kinesis-preload.cjs` to watch stdin. */
export const LEASH_ENV = { SPINE_LEASH: 'stdin' } as const;

// `exec 3<&0` first: POSIX gives a background job /dev/null as stdin, so the watcher reads fd 3.
// `$$` in the subshell is the shell's pid, which after `exec` is java's.
const WATCHER = 'exec 3<&0; ( read -r _ <&3; kill -TERM $$ 2>/dev/null ) & exec "$@" 3<&-';

/** `command args...` wrapped so it is SIGTERMed when the stdin pipe reaches EOF. */
export const shellLeash = (
  command: string,
  args: readonly string[],
): { command: string; args: readonly string[] } => ({
  command: '/bin/sh',
  args: ['-c', WATCHER, 'spine-leash', command, ...args],
});
