import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { freePort, localClientConfig } from '../../../local';
import type { CompiledLocalMode } from './compiled-local';

export interface Endpoints {
  readonly ingress: string;
  readonly kinesis: string;
  readonly dynamodb: string;
  readonly producers: Record<string, string>;
}

/** Ports for one local mode, picked from local mode's own range (see `freePort` in local/ports.ts). */
export const pickPorts = async (): Promise<{ ingress: number; kinesis: number; dynamodb: number }> => {
  const ingress = await freePort();
  const kinesis = await freePort([ingress]);
  return { ingress, kinesis, dynamodb: await freePort([ingress, kinesis]) };
};

/** Local mode's answer when a configured port is held (PortInUseError, EmulatorPortTakenError). */
const PORT_TAKEN = /(is|address) already in use|is answered by another process|is held by another process/i;

/**
 * `npm start` as a user runs it, in a child process with its own data dir and ports: by default the
 * command npm execs (`node --import tsx local/main.ts`), a compiled build of it (`compiled`, see
 * compiled-local.ts), or npm itself (`{ viaNpm: true }`), started in its own process group so a test can
 * signal the group as a terminal's Ctrl-C does.
 */
export class LocalSpine {
  private child: ChildProcess | undefined;
  /** Ports picked by `create` may be picked again until the first start succeeds. */
  private repickable = false;
  output = '';

  constructor(
    readonly home: string,
    public ports: { ingress: number; kinesis: number; dynamodb: number },
    /** Extra environment for the local-mode process (e.g. `SPINE_FAULTS`). */
    readonly env: Record<string, string> = {},
    /** Run this build of local mode with plain `node` instead of the sources through tsx. */
    readonly compiled?: CompiledLocalMode,
  ) {}

  static async create(
    home: string,
    env: Record<string, string> = {},
    compiled?: CompiledLocalMode,
  ): Promise<LocalSpine> {
    const spine = new LocalSpine(home, await pickPorts(), env, compiled);
    spine.repickable = true;
    return spine;
  }

  /**
   * Starts local mode and resolves once it printed `ready`; returns the measured time to ready. The
   * default limit (110 s) stays under the 120 s hook and test timeouts, so a start that hangs fails
   * with local mode's output rather than as a bare timeout; about 10 s on quiet cores.
   */
  async start(args: string[] = [], timeoutMs = 110_000, options: { viaNpm?: boolean } = {}): Promise<number> {
    // Picked ports are free when picked, not when local mode binds them: another suite's emulator may
    // take one in between. Until the first start succeeds such a start is retried on new ports.
    for (let attempt = 1; ; attempt++) {
      try {
        const ms = await this.startOnce(args, timeoutMs, options);
        this.repickable = false;
        return ms;
      } catch (error) {
        if (!this.repickable || attempt >= 3 || !PORT_TAKEN.test(this.output)) throw error;
        this.ports = await pickPorts();
      }
    }
  }

  private async startOnce(args: string[], timeoutMs: number, options: { viaNpm?: boolean }): Promise<number> {
    const started = Date.now();
    this.output = '';
    const [command, commandArgs] = options.viaNpm
      ? ['npm', ['start', '--silent', '--', ...args]]
      : this.compiled
        ? [process.execPath, [...this.compiled.args, ...args]]
        : [process.execPath, ['--import', 'tsx', 'local/main.ts', ...args]];
    const child = spawn(command, commandArgs, {
      cwd: !options.viaNpm && this.compiled ? this.compiled.dir : process.cwd(),
      detached: options.viaNpm === true,
      env: {
        ...process.env,
        ...this.env,
        SPINE_HOME: this.home,
        SPINE_PORT: String(this.ports.ingress),
        SPINE_KINESIS_PORT: String(this.ports.kinesis),
        SPINE_DYNAMODB_PORT: String(this.ports.dynamodb),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString();
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`local mode not ready in ${timeoutMs} ms:\n${this.output}`)),
        timeoutMs,
      );
      const check = () => {
        if (/\bready\b/i.test(this.output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`local mode exited with ${code} before ready:\n${this.output}`));
      });
    });
    return Date.now() - started;
  }

  /** SIGTERM, as Ctrl-C or a process manager would; resolves with the exit code. */
  async stop(): Promise<number | null> {
    const child = this.child;
    if (!child || !this.running()) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    return exited;
  }

  /** Sends a signal to the local-mode process (SIGKILL: a hard crash of the runtime). */
  kill(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** Sends a signal to the whole process group (started `viaNpm` only), as Ctrl-C in a terminal does. */
  killGroup(signal: NodeJS.Signals): void {
    if (this.child?.pid) process.kill(-this.child.pid, signal);
  }

  /** Resolves when the started process (npm or the runtime) has exited. */
  exited(): Promise<void> {
    const child = this.child;
    if (!child || !this.running()) return Promise.resolve();
    return new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** The pids local mode recorded in `<home>/pids.json` (runtime and emulators), if it is there. */
  pids(): { runtimePid: number; emulators: { name: string; pid: number }[] } | undefined {
    try {
      return JSON.parse(readFileSync(join(this.home, 'pids.json'), 'utf8')) as {
        runtimePid: number;
        emulators: { name: string; pid: number }[];
      };
    } catch {
      return undefined;
    }
  }

  /** Live processes of this backbone: any whose command line or environment names its data dir. */
  processes(): { pid: number; command: string }[] {
    return backboneProcesses(this.home);
  }

  running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async endpoints(): Promise<Endpoints> {
    return JSON.parse(await readFile(join(this.home, 'endpoints.json'), 'utf8')) as Endpoints;
  }

  documentClient(): DynamoDBDocumentClient {
    return DynamoDBDocumentClient.from(
      new DynamoDBClient(localClientConfig(`http://127.0.0.1:${this.ports.dynamodb}`)),
    );
  }
}

/** Every record in a local stream, oldest first, decoded as JSON (reads each shard from TRIM_HORIZON). */
export const readStream = async (spine: LocalSpine, stream: string): Promise<Record<string, unknown>[]> => {
  const client = new KinesisClient(localClientConfig(`http://127.0.0.1:${spine.ports.kinesis}`));
  const out: Record<string, unknown>[] = [];
  const shards = await client.send(new ListShardsCommand({ StreamName: stream }));
  for (const shard of shards.Shards ?? []) {
    const it = await client.send(
      new GetShardIteratorCommand({
        StreamName: stream,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    let iterator = it.ShardIterator;
    for (let i = 0; iterator && i < 50; i++) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      for (const r of page.Records ?? []) out.push(JSON.parse(Buffer.from(r.Data ?? []).toString('utf8')));
      if ((page.Records ?? []).length === 0 || page.MillisBehindLatest === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  client.destroy();
  return out;
};

export const eventually = async <T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T | undefined> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return undefined;
};

const readProc = (pid: string, file: string): string => {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
};

/**
 * Live (not zombie) processes whose command line or environment contains `marker`, read from /proc
 * (Linux). Local mode passes its data dir to every process it starts (SPINE_HOME in the environment of
 * npm, the runtime and java; `--spine-home=` on kinesis-mock's command line).
 */
export const backboneProcesses = (marker: string): { pid: number; command: string }[] =>
  readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && entry !== String(process.pid))
    .filter((pid) => !/^\S+ \(.*\) Z/.test(readProc(pid, 'stat')))
    .map((pid) => ({ pid, command: readProc(pid, 'cmdline').split('\0').join(' ').trim() }))
    .filter(({ pid, command }) => command.includes(marker) || readProc(pid, 'environ').includes(marker))
    .map(({ pid, command }) => ({ pid: Number(pid), command }));

/** True if a process with this pid exists. */
export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
