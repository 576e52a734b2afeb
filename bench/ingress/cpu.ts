import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { PRODUCER_PRINCIPALS_ENV, RUNTIME_TABLE_ENV, streamEnvVar } from '../../shared/config';
import { createDynamoIdempotencyStore, createIngress, loadIngressConfig } from '../../shared/ingress';
import { createSchemaRegistry } from '../../shared/schemas';
import { lambdaContext } from '../../test/fixtures/apigw';
import { catalog } from '../lib/catalog';
import { KinesisMeter } from '../lib/meter';
import {
  cloudEventsBatch,
  LOAD_TOPIC,
  naiveRequest,
  PRINCIPAL,
  plainRequest,
  spineRequest,
} from '../lib/requests';
import { median, round } from '../lib/stats';
import { createNaiveIngress } from './naive';
import { fakeDynamo, fakeKinesis, type WireCounts } from './wire';

/**
 * Run 2a: CPU per validated event through the ingress handler, in process, with Kinesis and DynamoDB
 * faked at the wire. Each scenario runs `ROUNDS` times, interleaved with the others so drift on a
 * shared machine hits them alike; the median round is reported. Publishing without producer ids is only
 * possible in plain JSON, one event per request (CloudEvents modes require `id`), so that scenario
 * pays the per-request work once per event.
 */
export const BATCH = 50;
const EVENTS_PER_ROUND = 2_500;
const ROUNDS = 3;

export interface CpuResult {
  readonly scenario: 'spine-plain-no-ids' | 'spine-batch-ids' | 'naive-putrecord';
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
  readonly records: KinesisMeter;
}

type SpineKind = 'batch-ids' | 'plain-no-ids';

const spineScenario = (kind: SpineKind): Scenario => {
  const kinesis = fakeKinesis();
  const dynamo = fakeDynamo();
  const env = {
    ...Object.fromEntries(catalog.topics.map((t) => [streamEnvVar(t.name), t.name])),
    [RUNTIME_TABLE_ENV.idempotency]: 'idempotency',
    [PRODUCER_PRINCIPALS_ENV]: JSON.stringify({ [PRINCIPAL]: 'storefront' }),
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
      records: new KinesisMeter().attach(kinesis.client),
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
    records: new KinesisMeter().attach(kinesis.client),
  };
};

const naiveScenario = (): Scenario => {
  const kinesis = fakeKinesis();
  const handler = createNaiveIngress(kinesis.client, LOAD_TOPIC);
  return {
    name: 'naive-putrecord',
    description: `hand-built ingress: zod parse, PutRecord per event, batch of ${BATCH}`,
    eventsPerRequest: BATCH,
    handler,
    request: (round, from) => naiveRequest(`c${round}n`, from, BATCH),
    kinesis: kinesis.counts,
    dynamo: { calls: {} },
    records: new KinesisMeter().attach(kinesis.client),
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

export const runIngressCpu = async (): Promise<CpuResult[]> => {
  const scenarios = [spineScenario('plain-no-ids'), spineScenario('batch-ids'), naiveScenario()];
  for (const s of scenarios) await measureRound(s, 9); // warm-up: JIT, schema compilation, SDK init
  for (const s of scenarios) {
    for (const k of Object.keys(s.kinesis.calls)) delete s.kinesis.calls[k];
    for (const k of Object.keys(s.dynamo.calls)) delete s.dynamo.calls[k];
  }
  const samples = new Map<string, { cpu: number; wall: number }[]>(scenarios.map((s) => [s.name, []]));
  for (let round = 0; round < ROUNDS; round += 1)
    for (const s of scenarios) samples.get(s.name)?.push(await measureRound(s, round));
  const events = EVENTS_PER_ROUND * ROUNDS;
  return scenarios.map((s) => ({
    scenario: s.name,
    description: s.description,
    eventsPerRequest: s.eventsPerRequest,
    cpuMicrosPerEvent: round(median((samples.get(s.name) ?? []).map((x) => x.cpu)), 1),
    wallMsPerRequest: round(median((samples.get(s.name) ?? []).map((x) => x.wall)), 2),
    recordBytes: round(s.records.counts.recordBytes / Math.max(s.records.counts.records, 1), 0),
    kinesisCallsPerEvent: perEvent(s.kinesis.calls, events),
    dynamoCallsPerEvent: perEvent(s.dynamo.calls, events),
  }));
};
