import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** TCP state 0A in /proc/net/tcp{,6}: LISTEN. */
const LISTEN = '0A';

/** Socket inodes listening on `port`, from /proc (Linux). Throws where /proc/net is absent. */
const listeningInodes = (port: number): Set<string> => {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch (error) {
      if (table.endsWith('6')) continue; // IPv6 disabled; the IPv4 table decides.
      throw error;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      const inode = fields[9];
      if (!local || !inode || fields[3] !== LISTEN) continue;
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.add(inode);
    }
  }
  return inodes;
};

/**
 * Whether process `pid` itself holds the listening socket on `port`. A readiness probe only proves
 * that *something* answers there: when another process took a picked port first, our emulator dies of
 * the bind error, but a probe can reach the other process (another suite's emulator) and succeed.
 * `true`/`false` on Linux; `undefined` where it cannot be told (no /proc, or not our process to read).
 */
export const listensOn = (pid: number, port: number): boolean | undefined => {
  let inodes: Set<string>;
  let fds: string[];
  try {
    inodes = listeningInodes(port);
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  for (const fd of fds) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode !== undefined && inodes.has(inode)) return true;
    } catch {
      // The fd closed while we looked.
    }
  }
  return false;
};
