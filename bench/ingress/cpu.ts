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
import { createNaiveIngress } from './naive';
import { fakeDynamo, fakeKinesis, stubbedKinesis, type WireCounts } from './wire';

/**
 * Run 2a: CPU per validated event through the ingress handler, in process, with Kinesis and DynamoDB
 * faked at the wire. Each scenario runs `ROUNDS` times, interleaved with the others so drift on a
 * shared machine hits them alike; the median round is reported. Without producer ids a producer sends
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
    | 'naive-putrecord-100';
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
}

type Handler = (event: APIGatewayProxyEventV2) => Promise<{ statusCode?: number; body?: string }>;

interface Scenario {
  readonly name: CpuResult['scenario'];
  readonly description: string;
  readonly eventsPerRequest: number;
  readonly handler: Handler;
  readonly request: (round: number, from: number) => APIGatewayProxyEventV2;
  readonly kinesis: WireCounts;
  readonly dynamo: WireCounts;
}

type SpineKind =
  | 'batch-ids'
  | 'batch-key'
  | 'plain-no-ids'
  | 'plain-no-ids-sdk-stubbed'
  | 'array-no-ids'
  | 'array-no-ids-sdk-stubbed';

const spineScenario = (kind: SpineKind): Scenario => {
  const kinesis = kind.endsWith('-sdk-stubbed') ? stubbedKinesis() : fakeKinesis('spine');
  const dynamo = fakeDynamo('spine');
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
const sdkScenario = (): Scenario => {
  const kinesis = fakeKinesis('spine');
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
    dynamo: fakeDynamo('sdk-default').counts,
  };
};

const naiveScenario = (size: number): Scenario => {
  const kinesis = fakeKinesis('sdk-default');
  const handler = createNaiveIngress(kinesis.client, LOAD_TOPIC);
  return {
    name: size === BATCH ? 'naive-putrecord' : 'naive-putrecord-100',
    description: `hand-built ingress: zod parse, PutRecord per event, batch of ${size}`,
    eventsPerRequest: size,
    handler,
    request: (round, from) => naiveRequest(`c${round}${size === BATCH ? 'n' : 'm'}`, from, size),
    kinesis: kinesis.counts,
    dynamo: fakeDynamo('sdk-default').counts,
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
];

const BUILDERS: Record<ScenarioName, () => Scenario> = {
  'spine-plain-no-ids': () => spineScenario('plain-no-ids'),
  'spine-plain-no-ids-sdk-stubbed': () => spineScenario('plain-no-ids-sdk-stubbed'),
  'sdk-putrecords-one': sdkScenario,
  'spine-batch-ids': () => spineScenario('batch-ids'),
  'spine-batch-key': () => spineScenario('batch-key'),
  'naive-putrecord': () => naiveScenario(BATCH),
  'spine-array-no-ids': () => spineScenario('array-no-ids'),
  'spine-array-no-ids-sdk-stubbed': () => spineScenario('array-no-ids-sdk-stubbed'),
  'naive-putrecord-100': () => naiveScenario(ARRAY),
};

/**
 * `only` picks scenarios (all by default), to profile one at a time; `rounds` defaults to `ROUNDS`.
 */
export const runIngressCpu = async (
  options: { readonly only?: readonly ScenarioName[]; readonly rounds?: number } = {},
): Promise<CpuResult[]> => {
  const scenarios = (options.only ?? SCENARIOS).map((name) => BUILDERS[name]());
  const rounds = options.rounds ?? ROUNDS;
  // Warm-up: JIT, schema compilation, SDK init (round 99 shares no id with a measured round).
  for (const s of scenarios) await measureRound(s, 99);
  for (const s of scenarios) {
    for (const k of Object.keys(s.kinesis.calls)) delete s.kinesis.calls[k];
    for (const k of Object.keys(s.dynamo.calls)) delete s.dynamo.calls[k];
  }
  const samples = new Map<string, { cpu: number; wall: number }[]>(scenarios.map((s) => [s.name, []]));
  for (let round = 0; round < rounds; round += 1)
    for (const s of scenarios) samples.get(s.name)?.push(await measureRound(s, round));
  const events = EVENTS_PER_ROUND * rounds;
  return scenarios.map((s) => ({
    scenario: s.name,
    description: s.description,
    eventsPerRequest: s.eventsPerRequest,
    cpuMicrosPerEvent: round(median((samples.get(s.name) ?? []).map((x) => x.cpu)), 1),
    wallMsPerRequest: round(median((samples.get(s.name) ?? []).map((x) => x.wall)), 2),
    recordBytes: round(s.kinesis.recordBytes / Math.max(s.kinesis.records, 1), 0),
    kinesisCallsPerEvent: perEvent(s.kinesis.calls, events),
    dynamoCallsPerEvent: perEvent(s.dynamo.calls, events),
  }));
};
