import { setTimeout as sleep } from 'node:timers/promises';

/** What local mode saw happen to a stream: records written, or its shards changed. */
export type StreamActivityKind = 'write' | 'reshard';

/**
 * Local mode's Kinesis traffic passes through a relay in this process (the TCP proxy, or the fault
 * relay), which tells this watch what it saw. An idle poller then sleeps up to `MAX_WATCHED_IDLE_MS`
 * instead of Lambda's ~1 s and is woken when its stream is written: idle polling of the example's 29
 * shards cost kinesis-mock a third of a core (measured: 10 CPU-s in 30 s idle), now about a fifth of
 * that, and a write is read at once instead of up to a second later. Something the relay misses (a
 * request split oddly across packets) is still read, just up to the longer interval later.
 */
export class StreamActivity {
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Wakes everything waiting on `kind` for `stream`. */
  notice(kind: StreamActivityKind, stream: string): void {
    const key = `${kind}\u0000${stream}`;
    const waiting = this.waiters.get(key);
    if (!waiting) return;
    this.waiters.delete(key);
    for (const wake of waiting) wake();
  }

  /** Resolves after `ms`, on `kind` activity on `stream`, or on `signal`'s abort, whichever is first. */
  async wait(kind: StreamActivityKind, stream: string, ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const key = `${kind}\u0000${stream}`;
    const woken = new AbortController();
    const wake = () => woken.abort();
    const waiting = this.waiters.get(key) ?? new Set();
    waiting.add(wake);
    this.waiters.set(key, waiting);
    // Not `AbortSignal.any([signal, woken.signal])`: `signal` lives as long as the pollers, and on Node 20
    // each `any` adds a weak reference to its dependants that is never dropped (measured: 42-63 B of heap
    // per wait after gc; ~26 KB a minute in the soak, for as long as local mode runs). A listener taken
    // off in `finally` leaves nothing.
    signal.addEventListener('abort', wake, { once: true });
    try {
      await sleep(ms, undefined, { signal: woken.signal });
    } catch {
      // Woken or stopping: either way the caller looks again now.
    } finally {
      signal.removeEventListener('abort', wake);
      waiting.delete(wake);
      if (waiting.size === 0 && this.waiters.get(key) === waiting) this.waiters.delete(key);
    }
  }
}

/** How long a watched idle poller (or shard listing) may sleep between looks. */
export const MAX_WATCHED_IDLE_MS = 5_000;

const WRITES = /Kinesis_20131202\.PutRecords?\b/;
const RESHARDS = /Kinesis_20131202\.(?:SplitShard|MergeShards|UpdateShardCount)\b/;
const STREAM = /"Stream(?:Name|ARN)"\s*:\s*"(?:arn:[^"]*:stream\/)?([^"]+)"/;

/** The activity a Kinesis operation causes, if any. */
export const activityOf = (target: string): StreamActivityKind | undefined =>
  WRITES.test(target) ? 'write' : RESHARDS.test(target) ? 'reshard' : undefined;

/** The stream a Kinesis JSON request body names (by name or ARN). */
export const streamOfBody = (body: string): string | undefined => STREAM.exec(body)?.[1];

/**
 * Watches one client connection's bytes (HTTP/1.1, the AWS JSON 1.1 protocol the SDK speaks to
 * Kinesis) for PutRecord(s) and reshard requests, and reports each once its answer comes back, so a
 * woken poller finds the records already stored. The operation is in a header and the stream in the
 * body, which may come in a later chunk: the connection remembers the operation until it finds the
 * stream. Clients do not pipeline, so the next answer on the connection is that request's.
 */
export const kinesisConnectionTap = (activity: Pick<StreamActivity, 'notice'>) => {
  let operation: StreamActivityKind | undefined;
  let answered: { kind: StreamActivityKind; stream: string } | undefined;
  return {
    request(chunk: Buffer): void {
      const text = chunk.toString('latin1');
      operation = activityOf(text) ?? operation;
      if (operation === undefined) return;
      const stream = streamOfBody(text);
      if (stream === undefined) return;
      answered = { kind: operation, stream };
      operation = undefined;
    },
    response(): void {
      if (answered) activity.notice(answered.kind, answered.stream);
      answered = undefined;
    },
  };
};
