import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../helpers/emulators';
import { type Budget, UNLIMITED } from './exactly-once/model';
import { type FaultRates, type RunResult, runUnderFaults, summary, verdicts } from './exactly-once/run';

/**
 * Exactly-once effects under AWS's fault model: lost answers of applied writes (PutRecords whole and
 * partial, TransactWriteItems, conditional writes), a PutRecords stored only after its marked re-send
 * (late landing), throttles, Lambda timeouts racing their retries, concurrent duplicate invocations,
 * container death with no catch or finally between any two AWS calls of an invocation (and once right
 * after a commit), a split and a merge mid-run, each with marked copies left unread in the closing
 * shard. The counter is additive (typed `add` + `append`), so a double application shows in its count. `SPINE_EO_EVENTS` sets the events per run (default 3,000, two runs); `SPINE_EO_SEED`
 * replays a schedule (under concurrency a seed replays the rates and decision sequence, not exactly
 * which request each decision hits).
 */
// 3,000 per run keeps the suite's wall time reasonable on 2 cores: 88-101 s a run at load 10-12 since
// the counter stopped reading (it was ~180 s); 10,000 at factor 1 took 174 s at load 8-10. Measured on
// demand with SPINE_EO_EVENTS (see docs/consumer-runtime.md); the CI default is the lead's call.
const EVENTS = Number(process.env.SPINE_EO_EVENTS ?? 3_000);
const SEED = Number(process.env.SPINE_EO_SEED ?? Date.now() % 1_000_000);
/** How long a run may take to settle; a run that hits it is reported as too slow to judge, not as lost. */
const DEADLINE_MS = Number(process.env.SPINE_EO_DEADLINE_S ?? 600) * 1000;

/**
 * `SPINE_EO_TIMEOUT_MS`: the consumer functions' timeout (Lambda's deadline and kill), 30 s by default.
 * 10 s was tried at 10,000 events on the loaded machine: invocations could not finish (461 killed at
 * the deadline, 187 of 204 look-backs undecided on their 3.3 s budget) and the run stalled.
 */
const TIMEOUT_MS = process.env.SPINE_EO_TIMEOUT_MS ? Number(process.env.SPINE_EO_TIMEOUT_MS) : undefined;
/** `SPINE_EO_SHARDS=counts,milestones` overrides the shard counts of both runs. */
const SHARDS = process.env.SPINE_EO_SHARDS?.split(',').map(Number);

/** `SPINE_EO_MAX_ATTEMPTS` lowers the runtime's attempts before parking (the mutation check's throttle run). */
const BUDGET: Budget = process.env.SPINE_EO_MAX_ATTEMPTS
  ? { ...UNLIMITED, maxAttempts: Number(process.env.SPINE_EO_MAX_ATTEMPTS) }
  : UNLIMITED;

/** `SPINE_EO_RATES` (JSON, same shape) replaces the rates below, to isolate one fault kind when diagnosing. */
const RATES: FaultRates = process.env.SPINE_EO_RATES
  ? JSON.parse(process.env.SPINE_EO_RATES)
  : {
      // Throttles are rare on purpose: the SDK backs off 0.5 s and more on each, which costs wall time only.
      // lateLanding: an unmarked original stored after its marked re-send (the overtaking window); also
      // forced once. Rare on purpose: each makes a whole request (~150 records) marked and unique (at
      // 0.02, p1 did not settle in 600 s when each marked record had its own look-back; now one per batch).
      kinesis: {
        lostResponse: 0.03,
        partialPutRecords: 0.05,
        partialLost: 0.3,
        throttle: 0.01,
        lateLanding: 0.005,
      },
      dynamodb: { lostResponse: 0.02, throttle: 0.005 },
      invocation: { timeout: 0.03, death: 0.02, duplicate: 0.03 },
    };

/** Every named fault kind that must have fired for a run to count as tested under the whole model. */
const KINDS = [
  'kinesis.lostResponse',
  'kinesis.partialPutRecords',
  'kinesis.throttle',
  'kinesis.lateLanding',
  'dynamodb.lostResponse',
  'dynamodb.throttle',
  'invocation.timeout',
  'invocation.death',
  'invocation.duplicate',
  // A death right after a commit applied, before the outbox was published (forced once per service).
  'invocation.diedAt.TransactWriteItems.after',
  // Marked copies written into a shard just before it closes, while the counter had not read them.
  'reshard.markedCopy.unread',
];

const fired = (result: RunResult, kind: string) =>
  Object.entries(result.faults)
    .filter(([k]) => k.startsWith(kind))
    .reduce((n, [, v]) => n + v, 0);

describe('consumer runtime exactly-once effects under the AWS fault model (property)', () => {
  let emulators: Emulators;
  const results: RunResult[] = [];

  beforeAll(async () => {
    emulators = await startEmulators();
    console.log(`[exactly-once] seed=${SEED} events per run=${EVENTS}`);
  }, 120_000);

  afterAll(async () => {
    await emulators?.stop();
    const events = results.reduce((n, r) => n + r.events, 0);
    console.log(`[exactly-once] total events ${events} over ${results.length} runs, seed ${SEED}`);
  });

  const run = async (
    name: string,
    parallelizationFactor: number,
    budget: Budget,
    events: number,
    rates: FaultRates = RATES,
  ) => {
    const result = await runUnderFaults({
      run: `${name}-${SEED}`,
      seed: SEED + parallelizationFactor * 1_000,
      events,
      // About 20 events per key: rounds of one event per key stay few and large (fewer PutRecords).
      keys: Math.max(20, Math.floor(events / 20)),
      parallelizationFactor,
      // Lanes set the pace (one per shard at factor 1), but every shard is one more poller on
      // kinesis-mock: 12 + 4 shards at load 20 made ListShards take 4.8 s and GetShardIterator 4.3 s.
      shards: { counts: SHARDS?.[0] ?? 4, milestones: SHARDS?.[1] ?? 1 },
      ...(TIMEOUT_MS !== undefined && { functionTimeoutMs: TIMEOUT_MS }),
      budget,
      rates,
      direct: { kinesis: emulators.kinesis, dynamo: emulators.dynamo },
      upstream: {
        kinesisPort: Number(new URL(emulators.kinesisEndpoint).port),
        dynamoPort: Number(new URL(emulators.dynamoEndpoint).port),
      },
      deadlineMs: DEADLINE_MS,
      // Above the function timeout: a dead invocation holds its lane until its deadline has passed.
      stallMs: 60_000,
    });
    results.push(result);
    console.log(summary(result));
    // A timeline of every invocation, for a look at where one shard's time went.
    if (process.env.SPINE_EO_TIMELINE)
      writeFileSync(`${process.env.SPINE_EO_TIMELINE}.${name}.json`, JSON.stringify(result.profile.timeline));
    return result;
  };

  const expectExactlyOnce = (result: RunResult) => {
    expect(result.ended, 'the run did not settle before SPINE_EO_DEADLINE_S').not.toBe('deadline');
    expect(result.reshards).toHaveLength(2);
    console.log(
      `[exactly-once] ${result.run} per kind ${KINDS.map((kind) => `${kind}=${fired(result, kind)}`).join(' ')}`,
    );
    const where = (prefix: string) =>
      Object.entries(result.faults)
        .filter(([k]) => k.startsWith(prefix))
        .map(([k, n]) => `${k.slice(prefix.length)}=${n}`)
        .join(' ');
    console.log(`[exactly-once] ${result.run} deaths at ${where('invocation.diedAt.')}`);
    console.log(`[exactly-once] ${result.run} at the reshards ${where('reshard.')}`);
    for (const kind of KINDS) expect({ kind, fired: fired(result, kind) > 0 }).toEqual({ kind, fired: true });
    expect(verdicts(result)).toEqual({
      lost: [],
      doubled: [],
      wrongTotal: [],
      outOfOrder: [],
      emitsLost: [],
      emitsDoubled: [],
      emitsWrongSum: [],
    });
    expect({ parked: result.parked, outbox: result.outbox, discards: result.discards.length }).toEqual({
      parked: 0,
      outbox: 0,
      discards: 0,
    });
  };

  it(
    'applies every event exactly once at parallelization 1 (retries unlimited, as infra sets them)',
    async () => {
      expectExactlyOnce(await run('eo1', 1, BUDGET, EVENTS));
    },
    DEADLINE_MS + 180_000,
  );

  it(
    'applies every event exactly once at parallelization 4',
    async () => {
      expectExactlyOnce(await run('eo4', 4, BUDGET, EVENTS));
    },
    DEADLINE_MS + 180_000,
  );

  it(
    "with a finite budget, drops only what the mapping's give-ups name in their metadata",
    async () => {
      // Invocations fail often here, so two attempts run out and the mapping gives batches up.
      const rates = { ...RATES, invocation: { timeout: 0.25, death: 0.15, duplicate: 0.03 } };
      // The runtime would retry for ever; the mapping gives up after one retry, as AWS's would.
      const budget = { maxAttempts: 10_001, maxRecordAgeSeconds: -1, mappingRetries: 1 };
      const result = await run('eob', 1, budget, Math.ceil(EVENTS / 5), rates);

      // Every missing effect lies in a range an on-failure destination names (shard + sequence range only).
      const unaccounted = result.keys.filter(
        (k) => k.expected.count - k.count > (result.discardedEvents.get(k.key)?.size ?? 0) + result.parked,
      );
      const dropped = [...result.discardedEvents.values()].reduce((n, s) => n + s.size, 0);
      console.log(
        `[exactly-once] finite budget: ${result.discards.length} give-ups naming ${dropped} events`,
      );
      expect(result.discards.length).toBeGreaterThan(0);
      expect(unaccounted.map((k) => `${k.key}: ${k.count}/${k.expected.count}`)).toEqual([]);
    },
    DEADLINE_MS + 180_000,
  );
});
