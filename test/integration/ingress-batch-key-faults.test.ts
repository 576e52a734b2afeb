import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assumedRoleArn, httpEvent } from '../fixtures/apigw';
import { loseResponses } from '../fixtures/lost-response';
import { refuseRecords } from '../fixtures/refuse-records';
import { bodyOf, order } from '../unit/ingress-support';
import { type Emulators, startEmulators } from './helpers/emulators';
import { ingressInstances } from './helpers/ingress-instance';
import { hangAfterStored, readLog } from './helpers/log-copies';

const STREAM = 'batch-key-faults';
const TABLE = 'batch-key-faults-idempotency';
const BATCHES = 36;
const SEED = 20261128;

type Fault = 'none' | 'lose-put' | 'lose-put-500' | 'refuse' | 'lose-claim' | 'lose-end' | 'die';
const FAULTS: readonly Fault[] = [
  'none',
  'lose-put',
  'lose-put-500',
  'refuse',
  'lose-claim',
  'lose-end',
  'die',
];

/** mulberry32: a small seeded generator, so a failing run can be replayed from its seed. */
const seeded = (seed: number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** A fault's undo and how often it took effect (answers lost, records refused). */
const track = (
  handle: { readonly restore: () => void } & (
    | { readonly lost: () => number }
    | { readonly refused: () => number }
  ),
) => ({ restore: handle.restore, effect: 'lost' in handle ? handle.lost : handle.refused });

interface Line {
  readonly id: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly index?: number;
}

describe('one Idempotency-Key per request under AWS faults, seeded (DynamoDB Local, Kinesis lite)', () => {
  let env: Emulators;
  const instances = ingressInstances(() => env, TABLE);

  const instance = (leaseMs?: number) => instances.make(STREAM, leaseMs);

  beforeAll(async () => {
    env = await startEmulators({ log: 'memory' });
    await Promise.all([env.createStream(STREAM, 2), env.createIdempotencyTable(TABLE)]);
  }, 120_000);

  afterAll(async () => {
    instances.destroyAll();
    await env?.stop();
  });

  it(`${BATCHES} keyed requests, each retried through lost answers, refused records, lost claim writes and dead claimants: no event is stored unmarked twice, every 202 names a stored copy, ids never change`, async () => {
    const random = seeded(SEED);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    const seen = new Map<Fault, number>(FAULTS.map((f) => [f, 0]));
    const shared = instance();
    const answered: { key: string; size: number; lines: Line[] }[] = [];
    let checkedNotWritten = 0;

    for (let b = 0; b < BATCHES; b += 1) {
      const size = 2 + Math.floor(random() * 7);
      const withIds = random() < 0.5;
      const key = `fk-${b}`;
      const events = Array.from({ length: size }, (_, i) =>
        withIds
          ? {
              specversion: '1.0',
              id: `fe-${b}-${i}`,
              source: '/shop',
              type: 'OrderRequested',
              data: order(`fo-${b}-${i}`),
            }
          : { type: 'OrderRequested', data: order(`fo-${b}-${i}`) },
      );
      const request = httpEvent({
        routeKey: 'POST /topics/{topic}/events',
        pathParameters: { topic: 'orders' },
        headers: {
          'content-type': withIds ? 'application/cloudevents-batch+json' : 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify(events),
        userArn: assumedRoleArn('storefront-role'),
      });
      // Every line any answer gave (202 or the results of a 429/503): ids must agree across them all.
      const lines: Line[] = [];
      let done = false;
      /** Notes an answer's lines; true once acknowledged, else waits before the next attempt. */
      const take = async (answer: Awaited<ReturnType<typeof shared.ingress>>, attempt: number) => {
        const body = bodyOf(answer);
        const got = (body.results ?? []) as Line[];
        lines.push(...got.map((l, i) => ({ ...l, index: l.index ?? i })));
        if (answer.statusCode === 202) {
          answered.push({ key, size, lines: got });
          return true;
        }
        expect([409, 429, 503], `${key} attempt ${attempt}: ${answer.body}`).toContain(answer.statusCode);
        // "Not written" must be certain: at the moment of the answer, no copy of the event is in the log.
        const notWritten = ((body.errors ?? []) as { index: number; message: string }[])
          .filter((p) => p.message === 'not written' || p.message === 'throttled by the log')
          .map((p) => `fe-${b}-${p.index}`);
        if (withIds && notWritten.length > 0) {
          const held = new Set((await readLog(env.kinesis, STREAM)).map((c) => c.id));
          checkedNotWritten += notWritten.length;
          for (const id of notWritten) expect(held.has(id), `${key}: ${id} answered not written`).toBe(false);
        }
        if (answer.statusCode === 409) expect(body.code).toBe('IDEMPOTENCY_IN_FLIGHT');
        await new Promise((resolve) => setTimeout(resolve, answer.statusCode === 409 ? 150 : 10));
        return false;
      };
      for (let attempt = 0; attempt < 40 && !done; attempt += 1) {
        // Faults on the first attempts only, so every request ends acknowledged.
        const fault: Fault = attempt < 3 ? pick(FAULTS) : 'none';
        // A fault counts only once it took effect (an answer lost, a record refused, a claimant dead).
        const tookEffect = () => seen.set(fault, (seen.get(fault) ?? 0) + 1);
        if (fault === 'none') tookEffect();
        if (fault === 'die') {
          // Dies once Kinesis stored its call; a claimant that never gets that far answers normally.
          const dying = instance(2_000);
          if (random() < 0.5) refuseRecords(dying.kinesis, { pick: (_c, n) => [Math.floor(random() * n)] });
          const stored = hangAfterStored(dying.kinesis);
          const outcome = dying.ingress(request);
          const first = await Promise.race([stored.reached.then(() => undefined), outcome]);
          if (!first) {
            tookEffect();
            continue;
          }
          done = await take(first, attempt);
          continue;
        }
        const undo: { restore: () => void; effect: () => number }[] = [];
        if (fault === 'lose-put' || fault === 'lose-put-500')
          undo.push(
            track(
              loseResponses(shared.kinesis, {
                commands: ['PutRecordsCommand'],
                times: 1 + Math.floor(random() * 3),
                as: fault === 'lose-put' ? 'timeout' : 'status-500',
              }),
            ),
          );
        if (fault === 'refuse')
          undo.push(
            track(
              refuseRecords(shared.kinesis, {
                // Some records on the first call, and whatever is sent again after it: refused for good.
                pick: (call, n) =>
                  Array.from({ length: n }, (_, i) => i).filter(() => call > 0 || random() < 0.4),
              }),
            ),
          );
        if (fault === 'lose-claim')
          undo.push(
            track(loseResponses(shared.dynamo, { commands: ['PutItemCommand', 'UpdateItemCommand'] })),
          );
        if (fault === 'lose-end')
          undo.push(
            track(loseResponses(shared.dynamo, { commands: ['UpdateItemCommand', 'DeleteItemCommand'] })),
          );
        let answer: Awaited<ReturnType<typeof shared.ingress>>;
        try {
          answer = await shared.ingress(request);
        } finally {
          for (const u of undo) u.restore();
        }
        if (undo.some((u) => u.effect() > 0)) tookEffect();
        done = await take(answer, attempt);
      }
      expect(done, `${key} was never acknowledged`).toBe(true);
      const idAt = new Map<number, string>();
      for (const l of lines) {
        const index = l.index ?? -1;
        expect(idAt.get(index) ?? l.id, `${key}: event ${index} changed id`).toBe(l.id);
        idAt.set(index, l.id);
      }
    }

    const log = await readLog(env.kinesis, STREAM);
    for (const { key, size, lines } of answered) {
      expect(lines, key).toHaveLength(size);
      for (const line of lines) {
        const copies = log.filter((c) => c.id === line.id);
        expect(
          copies.filter((c) => !c.marked).length,
          `${key}: unmarked copies of ${line.id}`,
        ).toBeLessThanOrEqual(1);
        expect(
          copies.some((c) => c.shardId === line.shardId && c.sequenceNumber === line.sequenceNumber),
          `${key}: the 202 of ${line.id} names a stored copy`,
        ).toBe(true);
      }
    }
    // Every fault kind took effect; a seed that skipped one proves less than it claims.
    for (const f of FAULTS) expect(seen.get(f), `fault ${f} never took effect`).toBeGreaterThan(0);
    expect(checkedNotWritten, 'no "not written" answer was checked').toBeGreaterThan(0);
  }, 240_000);
});
