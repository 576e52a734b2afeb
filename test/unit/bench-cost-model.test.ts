import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CostInputs, costModel, DESIGN, loadPrices } from '../../bench/cost/model';
import type { DeliveryResult } from '../../bench/exactly-once/run';
import type { CpuResult } from '../../bench/ingress/cpu';

const prices = loadPrices(join(import.meta.dirname, '../../bench/prices.json'));

const perEvent = (wcu: number, rcu: number) => ({
  wcu,
  rcu,
  calls: 1,
  callsByOp: {},
  wcuByTable: {},
  wcuReportedByLocal: wcu,
});

const delivery = (design: DeliveryResult['design'], batchSize: number, wcu: number): DeliveryResult => ({
  design,
  batchSize,
  events: 1_000,
  invocations: 1_000 / batchSize,
  first: perEvent(wcu, 0),
  redelivery: perEvent(0, 0),
  stateWcu: 1,
  overheadWcu: wcu - 1,
  medianInvocationMs: 100,
  stateItemsWritten: 1_000,
});

const cpu = (scenario: CpuResult['scenario'], eventsPerRequest: number, wallMsPerRequest: number) => ({
  scenario,
  description: scenario,
  eventsPerRequest,
  cpuMicrosPerEvent: 100,
  wallMsPerRequest,
  recordBytes: 900,
  kinesisCallsPerEvent: {},
  dynamoCallsPerEvent: {},
});

const probe = (wcuPerEvent: number) => ({
  events: 200,
  wcuPerEvent,
  rcuPerEvent: 0,
  callsPerEvent: wcuPerEvent,
  wcuPerRequest: wcuPerEvent * 50,
  msPerRequest: 10,
});

/** Run 1, 2a and the 2b probe as a run might measure them; only what the cost model reads matters. */
const inputs = (over: Partial<CostInputs> = {}): CostInputs => ({
  exactlyOnce: [delivery('spine', 100, 1.02), delivery('powertools', 100, 3), delivery('powertools', 1, 3)],
  ingressCpu: [
    cpu('spine-batch-ids', 50, 20),
    cpu('spine-batch-key', 50, 8),
    cpu('spine-plain-no-ids', 1, 2),
    cpu('naive-putrecord', 50, 30),
  ],
  ingressHttp: [],
  dedupe: { ...probe(1), batchKey: probe(0.02) },
  ...over,
});

describe('costModel (run 5)', () => {
  it('prices the batch Idempotency-Key design from its own 2a scenario and keyed probe, beside one claim per event id', () => {
    // Act
    const designs = costModel(inputs(), prices);
    const of = (name: string) => designs.find((d) => d.design === name)?.perMillionEvents;
    // Assess: DynamoDB is (ingress claim + 3 consumers x 1.02 WCU) x $0.625 per million units; Lambda
    // GB-s differ by the ingress's wall time per request (20 ms against 8 ms, 20,000 requests at 0.5 GB).
    expect(of(DESIGN.spineEventIds)?.dynamodb).toBeCloseTo((1 + 3 * 1.02) * 0.625, 4);
    expect(of(DESIGN.spineBatchKey)?.dynamodb).toBeCloseTo((0.02 + 3 * 1.02) * 0.625, 4);
    const gbSeconds = (ms: number) => 20_000 * (ms / 1000) * 0.5 * prices.lambda.arm64PerGbSecond;
    expect(
      (of(DESIGN.spineEventIds)?.lambdaGbSeconds ?? 0) - (of(DESIGN.spineBatchKey)?.lambdaGbSeconds ?? 0),
    ).toBeCloseTo(gbSeconds(20) - gbSeconds(8), 6);
  });

  it('refuses to price a run without the batch-key scenario rather than price it from another', () => {
    // Prepare
    const ingressCpu = inputs().ingressCpu.filter((c) => c.scenario !== 'spine-batch-key');
    // Act, Assess
    expect(() => costModel(inputs({ ingressCpu }), prices)).toThrow(
      'cost model: no measurement for spine-batch-key',
    );
  });
});
