import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../catalog';
import { eventType, latestVersion } from '../../shared/catalog';
import { createSchemaRegistry } from '../../shared/schemas';
import { type Category, type HostileCase, PLAN, validOrder } from './helpers/hostile-cases';
import { type IngressBackbone, startIngressBackbone, withoutConsumers } from './helpers/ingress-backbone';
import { type RawAnswer, rawRequest } from './helpers/raw-http';

/**
 * Fixed, so every run of the suite sends the same cases and a failure replays as it happened; a seed
 * from the clock made the suite's outcome depend on the draw. SPINE_HOSTILE_SEED explores other seeds
 * (the log line prints the one used).
 */
const SEED = Number(process.env.SPINE_HOSTILE_SEED ?? 752_051);
const CONCURRENCY = 16;
/** CI's resilience job (`npm run test:resilience`) sends the whole plan: 10,120 requests. */
const FULL_SCALE = process.env.SPINE_RESILIENCE_TEST === '1';
/**
 * Fraction of each category's cases to send (`SPINE_HOSTILE_SCALE` sets it). `npm test` sends half:
 * 5,060 requests, every category, through the same assertions. With one seed `fc.sample` yields the same
 * sequence whatever the count, so these are exactly the first half of each category of the whole plan,
 * not another draw; with the default seed they draw every answer the whole plan draws (24 kinds of
 * category, status and code; at 30% one was missing: a CRLF case answered 415, 2 of 900). Why: on 2 cores
 * shared with the rest of the suite the whole plan took 207 s (27 s of sending alone at load ~2), the
 * suite's second longest file, and each request is CPU the other files wait for.
 */
const SCALE = Number(process.env.SPINE_HOSTILE_SCALE ?? (FULL_SCALE ? 1 : 0.5));
/**
 * Past this an answer counts as a hang (generous: the emulators share two cores with everything else;
 * the slowest answer measured here was 12.4 s, at load ~20).
 */
const REQUEST_TIMEOUT_MS = 60_000;

/** What API Gateway itself answers (no `code`: HTTP APIs cannot customize them); local mode plays it. */
const GATEWAY_BODIES = new Map([
  [400, 'Bad Request'],
  [404, 'Not Found'],
  [413, 'Request Entity Too Large'],
]);

interface Result {
  id: string;
  shardId: string;
  sequenceNumber: string;
  duplicate: boolean;
}

const send = async (spine: IngressBackbone, c: HostileCase): Promise<RawAnswer> => {
  const wire = c.wire();
  if (wire.via === 'raw') return rawRequest(Number(new URL(spine.url).port), wire.bytes, REQUEST_TIMEOUT_MS);
  const response = await fetch(`${spine.url}${wire.path}`, {
    method: wire.method,
    headers: wire.headers,
    ...(wire.body === undefined ? {} : { body: wire.body }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: await response.text(),
  };
};

const parseBody = (text: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

describe('ingress under hostile input (fast-check, over HTTP in local mode)', () => {
  let spine: IngressBackbone;
  beforeAll(async () => {
    spine = await startIngressBackbone(withoutConsumers(catalog));
  });
  afterAll(async () => {
    await spine?.stop();
  });

  it('answers every generated request (all 10,120 in the resilience job, half of each category in npm test) without a 5xx or a hang, and the log holds exactly the acknowledged events', async () => {
    // Prepare: the "valid" generator must agree with the catalog, or every figure below is meaningless.
    const spec = eventType(catalog, 'OrderRequested');
    if (!spec) throw new Error('the example catalog has no OrderRequested');
    const registry = createSchemaRegistry(catalog);
    for (const sample of fc.sample(validOrder, { numRuns: 50, seed: SEED }))
      expect(registry.validate('OrderRequested', latestVersion(spec), sample)).toEqual({ ok: true });
    const ctx = {
      token: spine.token('storefront'),
      topic: 'orders',
      topics: catalog.topics.map((t) => t.name),
      run: `r${SEED}`,
    };
    const cases = PLAN.flatMap(([, count, arbitrary], i) =>
      fc.sample(arbitrary(ctx), { numRuns: Math.ceil(count * SCALE), seed: SEED + i }),
    );
    const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

    const tried = new Map<Category, number>();
    const statuses = new Map<number, number>();
    const violations: string[] = [];
    const acked = new Map<string, Result>();
    const duplicates: Result[] = [];
    const keyed = new Map<string, Set<string>>();
    let gatewayAnswers = 0;
    let parserRefusals = 0;

    const slowest = new Map<Category, number>();
    const record = (c: HostileCase, answer: RawAnswer) => {
      tried.set(c.category, (tried.get(c.category) ?? 0) + 1);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      const fail = (why: string) =>
        violations.push(`${c.category}: ${why} (got ${answer.status} ${answer.body.slice(0, 160)})`);
      const body = parseBody(answer.body);
      if (answer.status >= 500 || answer.status < 200) return fail('not a 2xx/4xx answer');
      if (answer.status === 202) {
        const results = body?.results;
        if (!Array.isArray(results)) return fail('202 without results');
        for (const r of results as Result[]) {
          if (r.duplicate) duplicates.push(r);
          else if (acked.has(r.id) && acked.get(r.id)?.sequenceNumber !== r.sequenceNumber)
            fail(`id ${r.id} acknowledged twice`);
          else acked.set(r.id, r);
        }
      } else if (answer.status >= 400) {
        const gateway = GATEWAY_BODIES.get(answer.status);
        if (typeof body?.code === 'string' && typeof body.message === 'string') {
          // The ingress spoke: a useful body.
        } else if (c.expect.kind === 'lenient' && answer.status === 400 && body?.message === 'Bad Request')
          parserRefusals += 1;
        else if (gateway !== undefined && body?.message === gateway) gatewayAnswers += 1;
        else return fail('4xx without a JSON body holding code and message');
      }
      switch (c.expect.kind) {
        case 'accepted':
          if (answer.status !== 202) fail('valid input was not accepted');
          return;
        case 'refused':
          if (answer.status !== c.expect.status) fail(`expected ${c.expect.status}`);
          return;
        case 'keyed': {
          if (answer.status === 409) {
            if (!['IDEMPOTENCY_CONFLICT', 'IDEMPOTENCY_IN_FLIGHT'].includes(String(body?.code)))
              fail('409 without an idempotency code');
            return;
          }
          if (answer.status !== 202) return fail('expected 202 or 409');
          const [r] = (body?.results ?? []) as Result[];
          const seen = keyed.get(c.expect.key) ?? new Set<string>();
          seen.add(`${c.expect.variant}/${r?.id}/${r?.sequenceNumber}`);
          keyed.set(c.expect.key, seen);
          if (seen.size > 1)
            fail(`key ${c.expect.key} answered for two payloads or records: ${[...seen].join(' | ')}`);
          return;
        }
        case 'lenient':
          return;
      }
    };

    // Act
    const started = Date.now();
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < cases.length; i = next++) {
        const c = cases[i] as HostileCase;
        const at = Date.now();
        try {
          const answer = await send(spine, c);
          slowest.set(c.category, Math.max(slowest.get(c.category) ?? 0, Date.now() - at));
          record(c, answer);
          if (i % 2000 === 1999)
            console.log(`  hostile progress: ${i + 1} sent in ${Date.now() - started} ms`);
        } catch (error) {
          tried.set(c.category, (tried.get(c.category) ?? 0) + 1);
          // fetch's own message is only "fetch failed": the cause (ECONNRESET, a timeout) says which.
          const cause = error instanceof Error && error.cause !== undefined ? `: ${String(error.cause)}` : '';
          violations.push(`${c.category}: no answer after ${Date.now() - at} ms (${String(error)}${cause})`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const sendMs = Date.now() - started;

    // Assess: the whole log against what was acknowledged.
    const log = await spine.readStream('orders');
    const stored = new Map<string, number>();
    for (const e of log) {
      stored.set(e.id, (stored.get(e.id) ?? 0) + 1);
      const ack = acked.get(e.id);
      if (!ack) violations.push(`log: record ${e.id.slice(0, 80)} was never acknowledged`);
      else if (ack.sequenceNumber !== e.sequenceNumber || ack.shardId !== e.shardId)
        violations.push(`log: record ${e.id} is not where its 202 said`);
    }
    for (const [id, count] of stored) if (count > 1) violations.push(`log: ${count} records of ${id}`);
    for (const id of acked.keys()) if (!stored.has(id)) violations.push(`log: acknowledged ${id} is missing`);
    for (const d of duplicates)
      if (acked.get(d.id)?.sequenceNumber !== d.sequenceNumber)
        violations.push(`duplicate answer for ${d.id} names another record`);
    for (const topic of ctx.topics.filter((t) => t !== ctx.topic))
      if ((await spine.readStream(topic)).length > 0) violations.push(`log: records on ${topic}`);
    if (Object.getOwnPropertyNames(Object.prototype).sort().join() !== prototypeKeys.join())
      violations.push('Object.prototype was polluted');

    const total = [...tried.values()].reduce((a, b) => a + b, 0);
    const perCategory = [...tried].map(([k, v]) => `${k}=${v}`).join(' ');
    const perStatus = [...statuses]
      .sort(([a], [b]) => a - b)
      .map(([k, v]) => `${k}:${v}`)
      .join(' ');
    console.log(
      `hostile ingress: seed=${SEED} requests=${total} in ${sendMs} ms; tried ${perCategory}; statuses ${perStatus}; ` +
        `gateway answers=${gatewayAnswers} parser refusals=${parserRefusals}; acknowledged=${acked.size} ` +
        `duplicates=${duplicates.length} log=${log.length}; violations=${violations.length}`,
    );
    console.log(`  slowest answer per category (ms): ${[...slowest].map(([k, v]) => `${k}=${v}`).join(' ')}`);
    for (const v of violations.slice(0, 25)) console.log(`  violation: ${v}`);
    expect(total).toBeGreaterThanOrEqual(Math.floor(10_000 * SCALE));
    // Every category of the plan was sent, whatever the scale.
    expect([...tried.keys()].sort()).toEqual([...new Set(PLAN.map(([category]) => category))].sort());
    expect(violations).toEqual([]);
    // 20 min: sending the whole plan took 64-393 s in 16 recorded runs on 2 shared cores, against the old
    // 600 s limit, which a machine twice as slow as the slowest would have hit. Hangs fail per request.
  }, 1_200_000);
});
