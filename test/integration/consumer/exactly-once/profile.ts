import type { CopyFinder } from '../../../../shared/consumer';

/** How one invocation ended, as the harness's Lambda service saw it. */
export type InvocationOutcome = 'ok' | 'retry' | 'timeout' | 'death' | 'error';

interface Tally {
  n: number;
  ms: number;
}

const add = (map: Map<string, Tally>, key: string, ms: number) => {
  const t = map.get(key) ?? { n: 0, ms: 0 };
  t.n += 1;
  t.ms += ms;
  map.set(key, t);
};

const show = (map: Map<string, Tally>) =>
  Object.fromEntries(
    [...map].sort(([, a], [, b]) => b.ms - a.ms).map(([k, t]) => [k, `${t.n}x ${(t.ms / 1000).toFixed(1)}s`]),
  );

/**
 * Where a run's wall time goes: HTTP calls per operation (each SDK attempt once), copy look-backs, and
 * invocations per outcome, each as a count and the summed seconds (summed over concurrent lanes, so a
 * figure can exceed the run's wall time). Cheap enough to stay on: a few map updates per request.
 */
export class RunProfile {
  private readonly http = new Map<string, Tally>();
  private readonly lookBacks = new Map<string, Tally>();
  private readonly invocations = new Map<string, Tally>();

  /** One HTTP attempt of `operation` (Kinesis or DynamoDB target name) that took `ms`. */
  request(operation: string, ms: number, outcome: 'ok' | 'error'): void {
    add(this.http, outcome === 'ok' ? operation : `${operation}!`, ms);
  }

  /** Every invocation in start order, for a timeline per shard (`SPINE_EO_TIMELINE` writes it out). */
  readonly timeline: {
    service: string;
    shardId: string;
    start: number;
    ms: number;
    outcome: InvocationOutcome;
    records: number;
    /** Index of the record the answer retries from, for `retry`. */
    retryAt?: number;
    twin?: boolean;
  }[] = [];

  invocation(entry: RunProfile['timeline'][number]): void {
    add(this.invocations, `${entry.service}.${entry.twin ? 'twin.' : ''}${entry.outcome}`, entry.ms);
    this.timeline.push(entry);
  }

  /** Wraps a copy finder so each look-back is timed, by the kinds of its answers. */
  copyFinder(inner: CopyFinder): CopyFinder {
    return {
      findEarlierAll: async (queries, deadline) => {
        const started = Date.now();
        const answers = await inner.findEarlierAll(queries, deadline);
        const kinds = [...new Set(answers.map((a) => a.kind))].sort().join('+');
        add(this.lookBacks, `all.${kinds}`, Date.now() - started);
        this.queries += queries.length;
        return answers;
      },
    };
  }

  /** Marked records looked up through `findEarlierAll`. */
  queries = 0;

  summary(): string {
    return (
      `  profile invocations ${JSON.stringify(show(this.invocations))}\n` +
      `  profile look-backs (${this.queries} records) ${JSON.stringify(show(this.lookBacks))}\n` +
      `  profile http ${JSON.stringify(show(this.http))}`
    );
  }
}
