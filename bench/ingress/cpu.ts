import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { PRODUCER_PRINCIPALS_ENV, RUNTIME_TABLE_ENV, streamEnvVar } from '../../shared/config';
import {
  createDynamoIdempotencyStore,
  createIngress,
  loadIngressConfig,
  sendPutRecordsOnce,
} from '../../shared/ingress';
import { createSchemaRegistry } from '../../shared/schemas';
import { lambdaContext } from '../../test/fixtures/apigw';
import { bulkCatalog as catalog } from '../lib/catalog';
import {
  BULK_PRINCIPAL,
  cloudEventsBatch,
  LOAD_TOPIC,
  naiveRequest,
  PRINCIPAL,
  plainArrayRequest,
  plainRequest,
  spineKeyedRequest,
  spineRequest,
} from '../lib/requests';
import { median, round } from '../lib/stats';
import { leanCall, nativeSteps } from './lean';
import { createNaiveIngress } from './naive';
import {
  type ClientSetup,
  clearCounts,
  inProcessWire,
  socketWire,
  stubbedKinesis,
  type Wire,
  type WireCounts,
} from './wire';
import { newCounts } from './wire-answers';

/**
 * Run 2a: CPU per validated event through the ingress handler, in process, with Kinesis and DynamoDB
 * answered over TLS by a server in its own process (or, `wire: 'in-process'`, faked at the SDK's
 * handler; bench/ingress/wire.ts says what each counts). Each scenario runs `ROUNDS` times,
 * interleaved with the others so drift on a shared machine hits them alike; the median round is
 * reported. Without producer ids a producer sends
 * plain JSON: one event per request by default (CloudEvents modes require `id`), which pays the
 * per-request work once per event, or, declared `delivery: 'at-least-once'`, an array of `ARRAY`
 * events in one request (`spine-array-no-ids`, against `naive-putrecord-100` at the same size). Two
 * more scenarios split the one-event case: the same requests with Kinesis stubbed above the SDK (the
 * handler's own work per validated event), and the bare SDK call it makes per request (one PutRecords
 * of one ~1 KB record, through `sendPutRecordsOnce`). `spine-batch-key` is `spine-batch-ids` with an
 * `Idempotency-Key` header per request: one claim for the request instead of one per event id.
 */
export const BATCH = 50;
/** Events per request of the at-least-once array and the hand-built handler beside it. */
export const ARRAY = 100;
const EVENTS_PER_ROUND = 2_500;
const ROUNDS = 3;

export interface CpuResult {
  readonly scenario:
    | 'spine-plain-no-ids'
    | 'spine-plain-no-ids-sdk-stubbed'
    | 'sdk-putrecords-one'
    | 'spine-batch-ids'
    | 'spine-batch-key'
    | 'naive-putrecord'
    | 'spine-array-no-ids'
    | 'spine-array-no-ids-sdk-stubbed'
    | 'naive-putrecord-100'
    | 'naive-putrecord-sdk-default'
    | 'lean-native-steps'
    | 'lean-call-no-sdk-client';
  readonly description: string;
  /** Events per request: `BATCH`, or 1 for plain JSON. */
  readonly eventsPerRequest: number;
  readonly cpuMicrosPerEvent: number;
  /** Wall time of one request (no network: a lower bound of Lambda's billed duration). */
  readonly wallMsPerRequest: number;
  /** Bytes per Kinesis record written (data + partition key). */
  readonly recordBytes: number;
  readonly kinesisCallsPerEvent: Record<string, number>;
  readonly dynamoCallsPerEvent: Record<string, number>;
  /** How Kinesis and DynamoDB were reached (absent in reports written before 2026-11-28: in process). */
  readonly wire?: 'socket' | 'in-process';
}

type Handler = (event: APIGatewayProxyEventV2) => Promise<{ statusCode?: number; body?: string }>;

interface Scenario {
  readonly name: CpuResult['scenario'];
  readonly description: string;
  readonly eventsPerRequest: number;
  readonly handler: Handler;
  readonly request: (round: number, from: number) => APIGatewayProxyEventV2;
  readonly kinesis: () => Promise<WireCounts>;
  readonly dynamo: () => Promise<WireCounts>;
  /** Clears counts the wire does not keep (Kinesis stubbed above the SDK). */
  readonly reset?: () => void;
}

type SpineKind =
  | 'batch-ids'
  | 'batch-key'
  | 'plain-no-ids'
  | 'plain-no-ids-sdk-stubbed'
  | 'array-no-ids'
  | 'array-no-ids-sdk-stubbed';

const stubbed = () => {
  const stub = stubbedKinesis();
  return { client: stub.client, counts: async () => stub.counts, reset: () => clearCounts(stub.counts) };
};

const spineScenario = (wire: Wire, kind: SpineKind): Scenario => {
  const stub = kind.endsWith('-sdk-stubbed') ? stubbed() : undefined;
  const kinesis = stub ?? wire.kinesis(kind, 'spine');
  const dynamo = wire.dynamo(kind, 'spine');
  const env = {
    ...Object.fromEntries(catalog.topics.map((t) => [streamEnvVar(t.name), t.name])),
    [RUNTIME_TABLE_ENV.idempotency]: 'idempotency',
    [PRODUCER_PRINCIPALS_ENV]: JSON.stringify({
      [PRINCIPAL]: 'storefront',
      [BULK_PRINCIPAL]: 'bulk-storefront',
    }),
  };
  const config = loadIngressConfig(catalog, env);
  const ingress = createIngress({
    catalog,
    registry: createSchemaRegistry(catalog),
    config,
    kinesis: kinesis.client,
    dynamo: dynamo.client,
    store: createDynamoIdempotencyStore(dynamo.client, config.idempotencyTable),
    log: () => undefined,
  });
  const context = lambdaContext();
  const handler: Handler = (event) => ingress(event, context);
  if (kind === 'plain-no-ids-sdk-stubbed')
    return {
      name: 'spine-plain-no-ids-sdk-stubbed',
      description:
        'the same plain JSON requests with Kinesis stubbed above the SDK: the handler own work per validated event',
      eventsPerRequest: 1,
      handler,
      request: (round, from) => plainRequest(`c${round}s`, from),
      kinesis: kinesis.counts,
      dynamo: dynamo.counts,
      reset: stub?.reset,
    };
  if (kind === 'array-no-ids-sdk-stubbed')
    return {
      name: 'spine-array-no-ids-sdk-stubbed',
      description:
        'the same arrays with Kinesis stubbed above the SDK: the handler own work per validated event',
      eventsPerRequest: ARRAY,
      handler,
      request: (round, from) => plainArrayRequest(`c${round}b`, from, ARRAY),
      kinesis: kinesis.counts,
      dynamo: dynamo.counts,
      reset: stub?.reset,
    };
  if (kind === 'array-no-ids')
    return {
      name: 'spine-array-no-ids',
      description: `Spine ingress, plain JSON array of ${ARRAY} without ids from an at-least-once producer (no claims)`,
      eventsPerRequest: ARRAY,
      handler,
      request: (round, from) => plainArrayRequest(`c${round}a`, from, ARRAY),
      kinesis: kinesis.counts,
      dynamo: dynamo.counts,
    };
  if (kind === 'plain-no-ids')
    return {
      name: 'spine-plain-no-ids',
      description:
        'Spine ingress, plain JSON, one event per request, no producer id (id generated, no dedupe)',
      eventsPerRequest: 1,
      handler,
      request: (round, from) => plainRequest(`c${round}p`, from),
      kinesis: kinesis.counts,
      dynamo: dynamo.counts,
    };
  if (kind === 'batch-key')
    return {
      name: 'spine-batch-key',
      description: `the same batches of ${BATCH} with an Idempotency-Key header per request (one claim per request)`,
      eventsPerRequest: BATCH,
      handler,
      // Ids and keys differ per round and request so every claim is new, as in production.
      request: (round, from) => {
        const run = `c${round}h`;
        return spineKeyedRequest(cloudEventsBatch(run, from, BATCH), `${run}-${from}`);
      },
      kinesis: kinesis.counts,
      dynamo: dynamo.counts,
    };
  return {
    name: 'spine-batch-ids',
    description: `Spine ingress, CloudEvents batch of ${BATCH} with producer ids (idempotency claims)`,
    eventsPerRequest: BATCH,
    handler,
    // Ids differ per round so every claim is new, as in production.
    request: (round, from) => spineRequest(cloudEventsBatch(`c${round}i`, from, BATCH)),
    kinesis: kinesis.counts,
    dynamo: dynamo.counts,
  };
};

/** As long as the workload's keys (`orderData`), so the call carries the same bytes. */
const SDK_KEY = 'order-00000000';

/** The per-request floor of the plain scenario: the SDK call alone, one ~1 KB record (a plain body). */
const sdkScenario = (wire: Wire): Scenario => {
  const kinesis = wire.kinesis('sdk', 'spine');
  const handler: Handler = async (event) => {
    await sendPutRecordsOnce(
      kinesis.client,
      {
        StreamName: LOAD_TOPIC,
        Records: [{ Data: Buffer.from(event.body ?? ''), PartitionKey: SDK_KEY }],
      },
      10_000,
    );
    return { statusCode: 202 };
  };
  return {
    name: 'sdk-putrecords-one',
    description: 'the AWS SDK alone: one PutRecords of one ~1 KB record per request (sendPutRecordsOnce)',
    eventsPerRequest: 1,
    handler,
    request: (round, from) => plainRequest(`c${round}k`, from),
    kinesis: kinesis.counts,
    dynamo: wire.dynamo('sdk', 'sdk-default').counts,
  };
};

const naiveScenario = (wire: Wire, size: number, setup: ClientSetup = 'hand-tuned'): Scenario => {
  const path = `naive-${size}-${setup}`;
  const kinesis = wire.kinesis(path, setup);
  const handler = createNaiveIngress(kinesis.client, LOAD_TOPIC);
  return {
    name:
      setup === 'sdk-default'
        ? 'naive-putrecord-sdk-default'
        : size === BATCH
          ? 'naive-putrecord'
          : 'naive-putrecord-100',
    description:
      setup === 'sdk-default'
        ? `the same with the SDK's default Kinesis client (HTTP/2, a new TLS session per call), batch of ${size}`
        : `hand-built ingress: zod parse, PutRecord per event, HTTP/1.1 keep-alive, batch of ${size}`,
    eventsPerRequest: size,
    handler,
    request: (round, from) => naiveRequest(`c${round}${size === BATCH ? 'n' : 'm'}`, from, size),
    kinesis: kinesis.counts,
    dynamo: wire.dynamo(path, setup).counts,
  };
};

const perEvent = (calls: Record<string, number>, events: number) =>
  Object.fromEntries(Object.entries(calls).map(([op, n]) => [op, round(n / events, 4)]));

const measureRound = async (scenario: Scenario, round: number): Promise<{ cpu: number; wall: number }> => {
  const size = scenario.eventsPerRequest;
  const requests = Array.from({ length: EVENTS_PER_ROUND / size }, (_, r) =>
    scenario.request(round, r * size),
  );
  const cpu = process.cpuUsage();
  const wall = performance.now();
  for (const request of requests) {
    const out = await scenario.handler(request);
    if (out.statusCode !== 202) throw new Error(`${scenario.name}: ${out.statusCode} ${out.body}`);
  }
  const used = process.cpuUsage(cpu);
  return {
    cpu: (used.user + used.system) / EVENTS_PER_ROUND,
    wall: (performance.now() - wall) / requests.length,
  };
};

/**
 * A lean reference beside `spine-array-no-ids` (bench/ingress/lean.ts): the same requests through the
 * native steps alone (`lean-native-steps`), and those plus one PutRecords signed and sent without the
 * SDK client (`lean-call-no-sdk-client`). Neither validates or retries, and neither is a lower bound.
 */
const leanScenario = (wire: Wire, kind: 'native-steps' | 'call'): Scenario => {
  if (kind === 'native-steps') {
    const counts = newCounts();
    return {
      name: 'lean-native-steps',
      description: `lean reference: the same arrays of ${ARRAY}, parse + envelope JSON + UTF-8 only; no validation, no Kinesis`,
      eventsPerRequest: ARRAY,
      handler: nativeSteps(counts),
      request: (round, from) => plainArrayRequest(`c${round}g`, from, ARRAY),
      kinesis: async () => counts,
      dynamo: async () => newCounts(),
      reset: () => clearCounts(counts),
    };
  }
  const kinesis = wire.kinesis('lean', 'spine');
  return {
    name: 'lean-call-no-sdk-client',
    description: `lean reference: the same arrays of ${ARRAY}, parse + envelope JSON + UTF-8, then one PutRecords signed (SigV4) and sent through NodeHttpHandler without the SDK client; no validation, no retries`,
    eventsPerRequest: ARRAY,
    handler: leanCall(kinesis.client),
    request: (round, from) => plainArrayRequest(`c${round}f`, from, ARRAY),
    kinesis: kinesis.counts,
    dynamo: async () => newCounts(),
  };
};

export type ScenarioName = CpuResult['scenario'];
export const SCENARIOS: readonly ScenarioName[] = [
  'spine-plain-no-ids',
  'spine-plain-no-ids-sdk-stubbed',
  'sdk-putrecords-one',
  'spine-batch-ids',
  'spine-batch-key',
  'naive-putrecord',
  'spine-array-no-ids',
  'spine-array-no-ids-sdk-stubbed',
  'naive-putrecord-100',
  'naive-putrecord-sdk-default',
  'lean-native-steps',
  'lean-call-no-sdk-client',
];

const BUILDERS: Record<ScenarioName, (wire: Wire) => Scenario> = {
  'spine-plain-no-ids': (w) => spineScenario(w, 'plain-no-ids'),
  'spine-plain-no-ids-sdk-stubbed': (w) => spineScenario(w, 'plain-no-ids-sdk-stubbed'),
  'sdk-putrecords-one': sdkScenario,
  'spine-batch-ids': (w) => spineScenario(w, 'batch-ids'),
  'spine-batch-key': (w) => spineScenario(w, 'batch-key'),
  'naive-putrecord': (w) => naiveScenario(w, BATCH),
  'spine-array-no-ids': (w) => spineScenario(w, 'array-no-ids'),
  'spine-array-no-ids-sdk-stubbed': (w) => spineScenario(w, 'array-no-ids-sdk-stubbed'),
  'naive-putrecord-100': (w) => naiveScenario(w, ARRAY),
  'naive-putrecord-sdk-default': (w) => naiveScenario(w, BATCH, 'sdk-default'),
  'lean-native-steps': (w) => leanScenario(w, 'native-steps'),
  'lean-call-no-sdk-client': (w) => leanScenario(w, 'call'),
};

/**
 * How 2a reaches Kinesis and DynamoDB: `socket` (the default since 2026-11-28) or `in-process`, the
 * former method (bench/ingress/wire.ts says what each counts).
 */
export type WireKind = Wire['kind'];

/**
 * `only` picks scenarios (all by default), to profile one at a time; `rounds` defaults to `ROUNDS`.
 */
export const runIngressCpu = async (
  options: {
    readonly only?: readonly ScenarioName[];
    readonly rounds?: number;
    readonly wire?: WireKind;
  } = {},
): Promise<CpuResult[]> => {
  const wire = options.wire === 'in-process' ? inProcessWire() : await socketWire();
  try {
    const scenarios = (options.only ?? SCENARIOS).map((name) => BUILDERS[name](wire));
    const rounds = options.rounds ?? ROUNDS;
    // Warm-up: JIT, schema compilation, SDK init, TLS sessions (round 99 shares no id with a measured round).
    for (const s of scenarios) await measureRound(s, 99);
    await wire.reset();
    for (const s of scenarios) s.reset?.();
    const samples = new Map<string, { cpu: number; wall: number }[]>(scenarios.map((s) => [s.name, []]));
    for (let round = 0; round < rounds; round += 1)
      for (const s of scenarios) samples.get(s.name)?.push(await measureRound(s, round));
    const events = EVENTS_PER_ROUND * rounds;
    const results: CpuResult[] = [];
    for (const s of scenarios) {
      const [kinesis, dynamo] = [await s.kinesis(), await s.dynamo()];
      results.push({
        scenario: s.name,
        description: s.description,
        eventsPerRequest: s.eventsPerRequest,
        cpuMicrosPerEvent: round(median((samples.get(s.name) ?? []).map((x) => x.cpu)), 1),
        wallMsPerRequest: round(median((samples.get(s.name) ?? []).map((x) => x.wall)), 2),
        recordBytes: round(kinesis.recordBytes / Math.max(kinesis.records, 1), 0),
        kinesisCallsPerEvent: perEvent(kinesis.calls, events),
        dynamoCallsPerEvent: perEvent(dynamo.calls, events),
        wire: wire.kind,
      });
    }
    return results;
  } finally {
    wire.stop();
  }
};
