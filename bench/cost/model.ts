import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ColdStartResult } from '../coldstart/run';
import type { DeliveryResult } from '../exactly-once/run';
import type { CpuResult } from '../ingress/cpu';
import type { DedupeProbe, ThroughputResult } from '../ingress/http';
import { round } from '../lib/stats';

/**
 * Run 5: dollars per million ~1 KB events for the reference deployment, from the calls counted in runs
 * 1 and 2 and the prices in `bench/prices.json`. Nothing here is a measured figure; everything
 * measured comes in through `CostInputs`.
 */
export const REFERENCE = {
  /** Services consuming the one topic. */
  consumers: 3,
  /** Event source mapping batch size. */
  consumerBatch: 100,
  /** Events per producer request (CloudEvents batch); plain JSON, the only way without ids, holds one. */
  producerBatch: 50,
  /** Steady rate used only to spread hourly charges (stream/shard hours) over events. */
  eventsPerSecond: 1000,
  /** `SpineFunction`'s default memory (infra/constructs/spine-function.ts), used for every function. */
  lambdaMemoryMb: 512,
  events: 1_000_000,
} as const;

const priceFile = z.object({
  takenOn: z.string(),
  apiGateway: z.object({ httpApiPerMillionRequests: z.number(), httpApiMeteringIncrementKb: z.number() }),
  lambda: z.object({ perMillionRequests: z.number(), arm64PerGbSecond: z.number() }),
  dynamodb: z.object({
    onDemandPerMillionWriteRequestUnits: z.number(),
    onDemandPerMillionReadRequestUnits: z.number(),
  }),
  kinesis: z.object({
    onDemandPerStreamHour: z.number(),
    onDemandPerGbIngested: z.number(),
    onDemandPerGbRetrieved: z.number(),
    onDemandRecordRoundingKb: z.number(),
    provisionedPerShardHour: z.number(),
    provisionedPerMillionPutPayloadUnits: z.number(),
    provisionedPutPayloadUnitKb: z.number(),
  }),
  eventBridge: z.object({ customEventsPerMillion: z.number(), eventChunkKb: z.number() }),
});
export type Prices = z.infer<typeof priceFile>;

export const loadPrices = (file: string): Prices => priceFile.parse(JSON.parse(readFileSync(file, 'utf8')));

/** Names of the designs priced, which the targets look up (bench/report/targets.ts). */
export const DESIGN = {
  spineEventIds: 'Spine (producer ids: one claim per event id)',
  spineBatchKey: 'Spine (producer ids, batch Idempotency-Key: one claim per request)',
  spineNoIds: 'Spine (no producer ids: plain JSON, 1 event/request)',
  handBuilt: 'hand-built (PutRecord per event + Powertools)',
  eventBridge: 'EventBridge (custom events, one rule per consumer)',
} as const;

export interface CostInputs {
  readonly exactlyOnce: readonly DeliveryResult[];
  readonly ingressCpu: readonly CpuResult[];
  readonly ingressHttp: readonly ThroughputResult[];
  readonly dedupe: DedupeProbe;
  readonly coldStart?: readonly ColdStartResult[];
}

export interface DesignCost {
  readonly design: string;
  readonly perMillionEvents: {
    readonly apiGateway: number;
    readonly lambdaRequests: number;
    readonly lambdaGbSeconds: number;
    readonly kinesis: number;
    readonly dynamodb: number;
    readonly eventBridge: number;
    readonly total: number;
  };
  /** Total with a provisioned stream instead of on-demand (where the design uses Kinesis). */
  readonly totalWithProvisionedKinesis?: number;
  readonly assumptions: readonly string[];
}

const GB = 1024 ** 3;
const KB = 1024;

const pick = <T>(items: readonly T[], ok: (t: T) => boolean, what: string): T => {
  const found = items.find(ok);
  if (!found) throw new Error(`cost model: no measurement for ${what}`);
  return found;
};

export const costModel = (inputs: CostInputs, prices: Prices): DesignCost[] => {
  const E = REFERENCE.events;
  const memGb = REFERENCE.lambdaMemoryMb / 1024;
  const hours = E / REFERENCE.eventsPerSecond / 3600;
  const perM = (units: number, pricePerMillion: number) => (units / 1e6) * pricePerMillion;
  const lambda = (invocations: number, ms: number) => ({
    requests: perM(invocations, prices.lambda.perMillionRequests),
    gbSeconds: invocations * (Math.ceil(ms) / 1000) * memGb * prices.lambda.arm64PerGbSecond,
  });
  const apiGateway = (requests: number, bodyBytes: number) =>
    perM(
      requests * Math.max(1, Math.ceil(bodyBytes / (prices.apiGateway.httpApiMeteringIncrementKb * KB))),
      prices.apiGateway.httpApiPerMillionRequests,
    );
  const kinesisOnDemand = (recordBytes: number) => {
    const kb = Math.max(1, Math.ceil(recordBytes / (prices.kinesis.onDemandRecordRoundingKb * KB))) * E;
    const gbIn = (kb * KB) / GB;
    return (
      hours * prices.kinesis.onDemandPerStreamHour +
      gbIn * prices.kinesis.onDemandPerGbIngested +
      gbIn * REFERENCE.consumers * prices.kinesis.onDemandPerGbRetrieved
    );
  };
  const kinesisProvisioned = (recordBytes: number) => {
    const mbIn = (REFERENCE.eventsPerSecond * recordBytes) / (KB * KB);
    // 1 MB/s and 1,000 records/s in per shard; 2 MB/s out shared by all (standard, no fan-out) consumers.
    const shards = Math.max(
      Math.ceil(mbIn),
      Math.ceil(REFERENCE.eventsPerSecond / 1000),
      Math.ceil((mbIn * REFERENCE.consumers) / 2),
    );
    const units = E * Math.max(1, Math.ceil(recordBytes / (prices.kinesis.provisionedPutPayloadUnitKb * KB)));
    return (
      shards * hours * prices.kinesis.provisionedPerShardHour +
      perM(units, prices.kinesis.provisionedPerMillionPutPayloadUnits)
    );
  };
  const dynamo = (wcu: number, rcu: number) =>
    perM(wcu, prices.dynamodb.onDemandPerMillionWriteRequestUnits) +
    perM(rcu, prices.dynamodb.onDemandPerMillionReadRequestUnits);

  const eo = (design: DeliveryResult['design'], batch: number) =>
    pick(inputs.exactlyOnce, (r) => r.design === design && r.batchSize === batch, `${design} batch ${batch}`);
  const cpu = (scenario: CpuResult['scenario']) =>
    pick(inputs.ingressCpu, (r) => r.scenario === scenario, scenario);
  const dedupe = inputs.dedupe;

  const total = (c: Omit<DesignCost['perMillionEvents'], 'total'>) => ({
    ...c,
    total: c.apiGateway + c.lambdaRequests + c.lambdaGbSeconds + c.kinesis + c.dynamodb + c.eventBridge,
  });
  const rounded = (c: DesignCost['perMillionEvents']) =>
    Object.fromEntries(Object.entries(c).map(([k, v]) => [k, round(v, 4)])) as DesignCost['perMillionEvents'];

  const kinesisDesign = (
    name: string,
    ingress: CpuResult,
    consumer: DeliveryResult,
    ingressUnits: { wcu: number; rcu: number },
    extra: string[],
  ): DesignCost => {
    // Requests per event follow what the producer can send: a batch of 50, or one plain JSON event.
    const requests = E / ingress.eventsPerRequest;
    const ingressFn = lambda(requests, ingress.wallMsPerRequest);
    const consumerFn = lambda(
      (REFERENCE.consumers * E) / REFERENCE.consumerBatch,
      consumer.medianInvocationMs,
    );
    const base = {
      apiGateway: apiGateway(requests, ingress.recordBytes * ingress.eventsPerRequest),
      lambdaRequests: ingressFn.requests + consumerFn.requests,
      lambdaGbSeconds: ingressFn.gbSeconds + consumerFn.gbSeconds,
      dynamodb: dynamo(
        E * (ingressUnits.wcu + REFERENCE.consumers * consumer.first.wcu),
        E * (ingressUnits.rcu + REFERENCE.consumers * consumer.first.rcu),
      ),
      eventBridge: 0,
    };
    const onDemand = total({ ...base, kinesis: kinesisOnDemand(ingress.recordBytes) });
    return {
      design: name,
      perMillionEvents: rounded(onDemand),
      totalWithProvisionedKinesis: round(
        onDemand.total - onDemand.kinesis + kinesisProvisioned(ingress.recordBytes),
        4,
      ),
      assumptions: [
        `ingress: ${ingress.eventsPerRequest} event(s)/request, ${ingress.wallMsPerRequest} ms/request (run 2a, no network wait), ${ingress.recordBytes} B/record`,
        `consumers: ${REFERENCE.consumers} x ${consumer.first.wcu} WCU + ${consumer.first.rcu} RCU per event, ${consumer.medianInvocationMs} ms per batch of ${REFERENCE.consumerBatch} (run 1, DynamoDB Local)`,
        ...extra,
      ],
    };
  };

  const spine = kinesisDesign(
    DESIGN.spineEventIds,
    cpu('spine-batch-ids'),
    eo('spine', REFERENCE.consumerBatch),
    { wcu: dedupe.wcuPerEvent, rcu: dedupe.rcuPerEvent },
    [`ingress dedupe: ${dedupe.wcuPerEvent} WCU/event (run 2b probe, DynamoDB Local)`],
  );
  // The same producer sending an Idempotency-Key per request of 50: one claim covers the request.
  const keyed = dedupe.batchKey;
  const spineBatchKey = kinesisDesign(
    DESIGN.spineBatchKey,
    cpu('spine-batch-key'),
    eo('spine', REFERENCE.consumerBatch),
    { wcu: keyed.wcuPerEvent, rcu: keyed.rcuPerEvent },
    [
      `ingress dedupe: ${keyed.wcuPerEvent} WCU/event, ${keyed.wcuPerRequest} WCU/request of ${REFERENCE.producerBatch} (run 2b probe with Idempotency-Key, DynamoDB Local)`,
    ],
  );
  // CloudEvents batches require ids (commit 70837cf); a producer without ids posts plain JSON, one
  // event per request, so this design pays one API Gateway request and one ingress invocation per event.
  const plain = cpu('spine-plain-no-ids');
  const spineNoIds = kinesisDesign(
    DESIGN.spineNoIds,
    plain,
    eo('spine', REFERENCE.consumerBatch),
    { wcu: 0, rcu: 0 },
    [
      `no ids: CloudEvents batches require id, so this producer sends plain JSON, one event per request (not ${REFERENCE.producerBatch})`,
      `no ingress claim priced: run 2a counted ${Object.values(plain.dynamoCallsPerEvent).reduce((x, y) => x + y, 0)} DynamoDB calls/event`,
    ],
  );
  const handBuilt = kinesisDesign(
    DESIGN.handBuilt,
    cpu('naive-putrecord'),
    eo('powertools', REFERENCE.consumerBatch),
    { wcu: 0, rcu: 0 },
    [],
  );

  // EventBridge: producers call PutEvents directly (no API Gateway, no ingress Lambda); one rule per
  // consumer invokes its Lambda asynchronously once per event, which applies it with Powertools idempotency.
  const single = eo('powertools', 1);
  const recordBytes = cpu('spine-batch-ids').recordBytes;
  const consumerFn = lambda(REFERENCE.consumers * E, single.medianInvocationMs);
  const eventBridge = total({
    apiGateway: 0,
    lambdaRequests: consumerFn.requests,
    lambdaGbSeconds: consumerFn.gbSeconds,
    kinesis: 0,
    dynamodb: dynamo(E * REFERENCE.consumers * single.first.wcu, E * REFERENCE.consumers * single.first.rcu),
    eventBridge: perM(
      E * Math.max(1, Math.ceil(recordBytes / (prices.eventBridge.eventChunkKb * KB))),
      prices.eventBridge.customEventsPerMillion,
    ),
  });
  return [
    spine,
    spineBatchKey,
    spineNoIds,
    handBuilt,
    {
      design: DESIGN.eventBridge,
      perMillionEvents: rounded(eventBridge),
      assumptions: [
        'producers sign PutEvents themselves: no API Gateway, no ingress Lambda',
        `consumers: one async Lambda invocation per event per rule, ${single.medianInvocationMs} ms each, Powertools idempotency ${single.first.wcu} WCU/event (run 1, batch 1)`,
      ],
    },
  ];
};
