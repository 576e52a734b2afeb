import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import type { LambdaHandler } from '../../../../local';
import {
  pauseAcknowledged,
  releasePause,
  requestPause,
  startEventSourceMappings,
} from '../../../../local/esm';
import {
  FaultCounts,
  FaultSchedule,
  type ForcibleKind,
  type HttpFaultRates,
  seededRandom,
  startFaultRelay,
} from '../../../../local/faults';
import {
  eventSourceMappingSettings,
  type ServiceSpec,
  type SubscriptionSpec,
} from '../../../../shared/catalog';
import { type InvocationFaultRates, lambdaService } from './lambda';
import {
  auditorHandler,
  type Budget,
  catalogFor,
  counterHandler,
  type Expected,
  runNames,
  type Shards,
} from './model';
import { diagnoseOrder } from './order-diagnosis';
import { RunProfile } from './profile';
import { eventsInRanges, planEvents, publishRounds } from './publish';
import { type PendingAtReshard, reshardsWhilePublishing } from './reshards';
import {
  clientsVia,
  containerFactory,
  type DiscardMetadata,
  directTransport,
  neverClosing,
  provisionRun,
  readDiscards,
  scanAll,
  tempDir,
} from './world';

export interface FaultRates {
  readonly kinesis: HttpFaultRates;
  readonly dynamodb: HttpFaultRates;
  readonly invocation: InvocationFaultRates;
}

export interface RunOptions {
  readonly run: string;
  readonly seed: number;
  readonly events: number;
  readonly keys: number;
  readonly parallelizationFactor: number;
  readonly shards: Shards;
  /** The consumer functions' timeout (Lambda's deadline and kill). @default FUNCTION_TIMEOUT_MS */
  readonly functionTimeoutMs?: number;
  readonly budget: Budget;
  readonly rates: FaultRates;
  /** Direct (fault-free) clients and the ports the relays forward to. */
  readonly direct: { readonly kinesis: KinesisClient; readonly dynamo: DynamoDBClient };
  readonly upstream: { readonly kinesisPort: number; readonly dynamoPort: number };
  /** Give up waiting for the effects after this long. */
  readonly deadlineMs: number;
  /** Stop waiting once nothing changed for this long after publishing finished. */
  readonly stallMs: number;
}

export interface KeyOutcome {
  readonly key: string;
  readonly expected: Expected;
  readonly count: number;
  readonly total: number;
  readonly outOfOrder: number;
  readonly milestones: number;
  readonly milestoneSum: number;
  readonly auditOutOfOrder: number;
}

export interface RunResult {
  readonly run: string;
  readonly seed: number;
  readonly events: number;
  readonly writerCalls: number;
  readonly reshards: string[];
  /** Per reshard: how long its armed death took to come, and the reshard itself (measured). */
  readonly reshardTimings: string[];
  readonly parallelizationFactor: number;
  /** Outbox entries pending in the closing shard(s) at each reshard (one forced per reshard). */
  readonly pendingAtReshards: PendingAtReshard[];
  /** The counter's outbox entries by their first claim: `shardId/sk` -> the claiming invocation's shard. */
  readonly firstClaims: ReadonlyMap<string, string>;
  /** The shard of the forced death after a commit with an emit on a shard no reshard closes. */
  readonly unclosedDeath: string | undefined;
  readonly faults: Record<string, number>;
  readonly keys: KeyOutcome[];
  readonly parked: number;
  readonly outbox: number;
  readonly discards: DiscardMetadata[];
  /** Event ids per key inside the discarded ranges (read back from the log by range only). */
  readonly discardedEvents: Map<string, Set<string>>;
  readonly stillRunning: number;
  /** Seconds: whole run, publishing, until the effects settled, stop + drain. */
  readonly seconds: number;
  readonly phases: { readonly publish: number; readonly settle: number; readonly stop: number };
  /**
   * Why waiting ended: every effect reached; with a finite mapping budget, every effect missing lies in
   * a range the mapping's give-ups named (`accounted`); nothing changed for `stallMs`; or the deadline.
   */
  readonly ended: 'reached' | 'accounted' | 'stalled' | 'deadline';
  /** The mappings' warnings and errors by message (first 60 characters), for diagnosis. */
  readonly esmLog: Record<string, number>;
  /** Where the run's time went (see `RunProfile`). */
  readonly profile: RunProfile;
  /** Per out-of-order key: its indices as applied and its records in log order (`diagnoseOrder`). */
  readonly orderDiagnosis: string[];
}

const num = (item: Record<string, unknown> | undefined, field: string) => Number(item?.[field] ?? 0);

/** Indices the additive counter applied, in application order, that are not at their own position. */
const appliedIndices = (item: Record<string, unknown> | undefined): number[] =>
  Array.isArray(item?.indices) ? item.indices.map(Number) : [];
const misplaced = (item: Record<string, unknown> | undefined): number =>
  appliedIndices(item).filter((index, at) => index !== at).length;

const reached = (
  expected: Map<string, Expected>,
  totals: Map<string, Record<string, unknown>>,
  audit: Map<string, Record<string, unknown>>,
) =>
  [...expected].every(
    ([key, e]) =>
      num(totals.get(key), 'count') >= e.count && num(audit.get(key), 'milestones') >= e.milestones,
  );

/** Every kind with a rate above 0 fires once for sure: the test asserts each kind fired. */
const forcible = (rates: HttpFaultRates): ForcibleKind[] =>
  (['lostResponse', 'partialPutRecords', 'throttle'] as const).filter((kind) => (rates[kind] ?? 0) > 0);

/**
 * One run: publish through the ingress writer behind the fault relay while two event source
 * mappings (counter <- counts, auditor <- milestones) drive `defineConsumer` on faulty containers,
 * split and merge the counts stream mid-run, wait until the effects settle, then read them directly.
 */
export const runUnderFaults = async (o: RunOptions): Promise<RunResult> => {
  const started = Date.now();
  const names = runNames(o.run);
  await provisionRun(o.direct, names, o.shards);
  const unclosed = await neverClosing(o.direct.kinesis, names.counts);
  const counts = new FaultCounts();
  const kinesisFaults = new FaultSchedule({
    service: 'kinesis',
    rates: o.rates.kinesis,
    seed: o.seed,
    counts,
    // Forced once, early, as the invocation faults are: a low rate alone can miss a short run.
    ...((o.rates.kinesis.lateLanding ?? 0) > 0 && { forceLateLandingAt: 3 }),
    forceOnce: forcible(o.rates.kinesis),
  });
  const dynamoFaults = new FaultSchedule({
    service: 'dynamodb',
    rates: o.rates.dynamodb,
    seed: o.seed + 1,
    counts,
    forceOnce: forcible(o.rates.dynamodb),
  });
  const relays = [
    await startFaultRelay(0, o.upstream.kinesisPort, kinesisFaults),
    await startFaultRelay(0, o.upstream.dynamoPort, dynamoFaults),
  ];
  const endpoints = {
    kinesis: `http://127.0.0.1:${relays[0]?.port}`,
    dynamo: `http://127.0.0.1:${relays[1]?.port}`,
  };
  const catalog = catalogFor(names, o.shards, o.parallelizationFactor, o.budget);
  const checkpoints = o.parallelizationFactor > 1 ? 'key' : 'shard';
  const random = seededRandom(o.seed + 2);
  const profile = new RunProfile();
  const firstClaims = new Map<string, string>();
  const lambdas = {
    counter: lambdaService({
      newContainer: containerFactory({
        endpoints,
        calmEndpoints: {
          kinesis: `http://127.0.0.1:${o.upstream.kinesisPort}`,
          dynamo: `http://127.0.0.1:${o.upstream.dynamoPort}`,
        },
        names,
        catalog,
        service: 'counter',
        handlers: { Counted: counterHandler },
        checkpoints,
        profile,
        counts,
        firstClaims,
      }),
      rates: o.rates.invocation,
      random,
      counts,
      service: 'counter',
      profile,
      ...(o.functionTimeoutMs !== undefined && { timeoutMs: o.functionTimeoutMs }),
      // A finite mapping budget gives up at least one batch for sure, whatever the rates draw.
      ...(o.budget.mappingRetries !== undefined &&
        o.budget.mappingRetries >= 0 && { failFirstBatch: o.budget.mappingRetries + 1 }),
    }),
    auditor: lambdaService({
      newContainer: containerFactory({
        endpoints,
        names,
        catalog,
        service: 'auditor',
        handlers: { MilestoneReached: auditorHandler },
        checkpoints,
        profile,
        counts,
      }),
      rates: o.rates.invocation,
      random,
      counts,
      service: 'auditor',
      profile,
      ...(o.functionTimeoutMs !== undefined && { timeoutMs: o.functionTimeoutMs }),
    }),
  };
  // A death right after a commit with an emit, on a shard no reshard closes: only that shard's own
  // later invocations can recover the entry (a child recovers its parents' leftovers, so a death on a
  // shard that closes later does not show whether a shard recovers its own).
  let unclosedDeath: string | undefined;
  if (o.rates.invocation.death > 0)
    void lambdas.counter
      .dieAfterCommit({ tag: 'unclosedShard', outboxTable: names.tables.outbox, shards: unclosed })
      .then((death) => {
        unclosedDeath = death.shardId;
      });
  const esmClients = clientsVia(endpoints, directTransport());
  const producer = clientsVia(endpoints, directTransport());
  const tmp = tempDir();
  const failuresFile = join(tmp.dir, 'esm-failures.jsonl');
  const esmDir = join(tmp.dir, 'esm');
  const handlers = new Map<string, LambdaHandler<KinesisStreamEvent>>([
    ['counter', (event: KinesisStreamEvent) => lambdas.counter.invoke(event)],
    ['auditor', (event: KinesisStreamEvent) => lambdas.auditor.invoke(event)],
  ]);
  const esmLog: Record<string, number> = {};
  const note = (message: string) => {
    const key = message.replace(/shardId-\d+/g, 'shardId-N').slice(0, 60);
    esmLog[key] = (esmLog[key] ?? 0) + 1;
  };
  const esm = startEventSourceMappings({
    catalog,
    handlers,
    kinesis: esmClients.kinesis,
    esmDir,
    ...(o.budget.mappingRetries !== undefined && {
      settingsFor: (_service: ServiceSpec, subscription: SubscriptionSpec) => ({
        ...eventSourceMappingSettings(subscription),
        maximumRetryAttempts: o.budget.mappingRetries ?? -1,
      }),
    }),
    failuresFile,
    log: { info: () => {}, warn: note, error: note },
  });
  try {
    const { rounds, expected } = planEvents(o.run, o.events, o.keys, seededRandom(o.seed + 3));
    const plan = reshardsWhilePublishing({
      direct: o.direct,
      names,
      counts,
      counter: lambdas.counter,
      // The counter's mapping on counts, paused as disabling it in AWS would (its pollers stop between batches).
      mapping: {
        pause: () => requestPause(esmDir, 'counter', names.counts, `eo-${Date.now()}`),
        paused: (shardId) => pauseAcknowledged(esmDir, 'counter', names.counts, shardId),
        resume: () => releasePause(esmDir, 'counter', names.counts),
      },
      rounds: rounds.length,
      reshardAt: [o.events / 3, (2 * o.events) / 3],
      deadlineAt: started + o.deadlineMs,
      forcePending: (o.budget.mappingRetries ?? -1) < 0,
    });
    const { calls } = await publishRounds(
      producer.kinesis,
      names.counts,
      rounds,
      plan.afterRound,
      plan.beforeRound,
    );
    const { reshards, pendingAtReshards, timings: reshardTimings } = plan;

    const published = Date.now();
    let last = '';
    let changedAt = Date.now();
    let ended: RunResult['ended'] = 'reached';
    const read = async () => ({
      totals: new Map((await scanAll(o.direct.dynamo, names.tables.totals)).map((i) => [String(i.pk), i])),
      audit: new Map((await scanAll(o.direct.dynamo, names.tables.audit)).map((i) => [String(i.pk), i])),
    });
    // A finite budget's run never reaches every effect: it ends once each missing one is accounted
    // for by the give-ups (what the test asserts), not after a stall budget (which then cost 180 s a run).
    const finite = (o.budget.mappingRetries ?? -1) >= 0;
    let checkedAt = 0;
    const accounted = async (totals: Map<string, Record<string, unknown>>) => {
      const discards = readDiscards(failuresFile).filter((d) => d.topic === names.counts);
      if (discards.length === 0) return false;
      const dropped = await eventsInRanges(o.direct.kinesis, names.counts, discards);
      return [...expected].every(
        ([key, e]) => num(totals.get(key), 'count') + (dropped.get(key)?.size ?? 0) >= e.count,
      );
    };
    for (let state = await read(); !reached(expected, state.totals, state.audit); state = await read()) {
      const now = JSON.stringify([...state.totals.values(), ...state.audit.values()]);
      if (now !== last) [last, changedAt] = [now, Date.now()];
      // Every 5 s at most: each check reads every discarded range back from the log.
      if (finite && Date.now() - checkedAt > 5_000) {
        checkedAt = Date.now();
        if (await accounted(state.totals)) {
          ended = 'accounted';
          break;
        }
      }
      if (Date.now() - changedAt > o.stallMs) ended = 'stalled';
      if (Date.now() - started > o.deadlineMs) ended = 'deadline';
      if (ended !== 'reached') break;
      await sleep(1_000);
    }
    const settled = Date.now();
    // Verification is not disturbed: no new faults, the mappings stop, zombies and twins finish.
    kinesisFaults.enabled = false;
    dynamoFaults.enabled = false;
    lambdas.counter.quiesce();
    lambdas.auditor.quiesce();
    await esm.stop();
    const stillRunning = (await lambdas.counter.drain(20_000)) + (await lambdas.auditor.drain(10_000));
    const stopped = Date.now();
    const final = await read();
    const discards = readDiscards(failuresFile);
    // The verdict's out-of-order keys, from either end: the counter's indices or the auditor's milestones.
    // `SPINE_EO_ORDER_SAMPLE=n` shows n in-order keys too: the diagnosis checked on a passing run.
    const sample = Number(process.env.SPINE_EO_ORDER_SAMPLE ?? 0);
    const disordered = [...final.totals].filter(([, item], at) => misplaced(item) > 0 || at < sample);
    const auditDisordered = [...final.audit].filter(([, item]) => num(item, 'outOfOrder') > 0);
    const orderDiagnosis = [
      ...(await diagnoseOrder(
        o.direct.kinesis,
        names.counts,
        new Map(disordered.map(([key, item]) => [key, appliedIndices(item)])),
      )),
      ...(await diagnoseOrder(o.direct.kinesis, names.milestones, new Map(auditDisordered))),
    ];
    return {
      run: o.run,
      seed: o.seed,
      events: o.events,
      writerCalls: calls,
      reshards,
      reshardTimings,
      parallelizationFactor: o.parallelizationFactor,
      pendingAtReshards,
      firstClaims,
      unclosedDeath,
      faults: counts.snapshot(),
      keys: [...expected].map(([key, e]) => ({
        key,
        expected: e,
        count: num(final.totals.get(key), 'count'),
        total: num(final.totals.get(key), 'total'),
        outOfOrder: misplaced(final.totals.get(key)),
        milestones: num(final.audit.get(key), 'milestones'),
        milestoneSum: num(final.audit.get(key), 'sum'),
        auditOutOfOrder: num(final.audit.get(key), 'outOfOrder'),
      })),
      parked: (await scanAll(o.direct.dynamo, names.tables.parking)).length,
      outbox: (await scanAll(o.direct.dynamo, names.tables.outbox)).length,
      discards,
      discardedEvents: await eventsInRanges(
        o.direct.kinesis,
        names.counts,
        discards.filter((d) => d.topic === names.counts),
      ),
      stillRunning,
      seconds: Math.round((Date.now() - started) / 1000),
      ended,
      esmLog,
      profile,
      orderDiagnosis,
      phases: {
        publish: Math.round((published - started) / 1000),
        settle: Math.round((settled - published) / 1000),
        stop: Math.round((stopped - settled) / 1000),
      },
    };
  } finally {
    await esm.stop();
    lambdas.counter.destroy();
    lambdas.auditor.destroy();
    for (const c of [esmClients, producer]) {
      c.kinesis.destroy();
      c.dynamo.destroy();
    }
    for (const relay of relays) await relay.close();
    tmp.remove();
  }
};

/** Per-key verdicts of a run against one clean pass. */
export const verdicts = (result: RunResult) => {
  const lost = result.keys
    .filter((k) => k.count < k.expected.count)
    .map((k) => `${k.key}: ${k.count}/${k.expected.count}`);
  const doubled = result.keys
    .filter((k) => k.count > k.expected.count)
    .map((k) => `${k.key}: ${k.count}/${k.expected.count}`);
  const wrongTotal = result.keys
    .filter((k) => k.count === k.expected.count && k.total !== k.expected.total)
    .map((k) => `${k.key}: total ${k.total}/${k.expected.total}`);
  const outOfOrder = result.keys.filter((k) => k.outOfOrder > 0 || k.auditOutOfOrder > 0).map((k) => k.key);
  const emitsLost = result.keys
    .filter((k) => k.milestones < k.expected.milestones)
    .map((k) => `${k.key}: ${k.milestones}/${k.expected.milestones}`);
  const emitsDoubled = result.keys
    .filter((k) => k.milestones > k.expected.milestones)
    .map((k) => `${k.key}: ${k.milestones}/${k.expected.milestones}`);
  const emitsWrongSum = result.keys
    .filter((k) => k.milestones === k.expected.milestones && k.milestoneSum !== k.expected.milestoneSum)
    .map((k) => k.key);
  return { lost, doubled, wrongTotal, outOfOrder, emitsLost, emitsDoubled, emitsWrongSum };
};

export const summary = (result: RunResult) => {
  const v = verdicts(result);
  const effects = result.keys.reduce((n, k) => n + k.count, 0);
  const milestones = result.keys.reduce((n, k) => n + k.milestones, 0);
  const expectedMilestones = result.keys.reduce((n, k) => n + k.expected.milestones, 0);
  return (
    `[exactly-once] ${result.run} seed=${result.seed} ${result.seconds}s ${JSON.stringify(result.phases)} ended=${result.ended} events=${result.events} effects=${effects} ` +
    `milestones=${milestones}/${expectedMilestones} writerCalls=${result.writerCalls} reshards=${JSON.stringify(result.reshards)} ` +
    `parked=${result.parked} outbox=${result.outbox} discards=${result.discards.length} stillRunning=${result.stillRunning}\n` +
    `  faults ${JSON.stringify(result.faults)}\n` +
    `  esm log ${JSON.stringify(result.esmLog)}\n` +
    `${result.profile.summary()}\n` +
    `  keys lost=${v.lost.length} doubled=${v.doubled.length} wrongTotal=${v.wrongTotal.length} outOfOrder=${v.outOfOrder.length} ` +
    `emitsLost=${v.emitsLost.length} emitsDoubled=${v.emitsDoubled.length} emitsWrongSum=${v.emitsWrongSum.length}\n` +
    `  first: ${JSON.stringify(Object.fromEntries(Object.entries(v).map(([k, list]) => [k, list.slice(0, 3)])))}` +
    result.orderDiagnosis.map((d) => `\n${d}`).join('')
  );
};
