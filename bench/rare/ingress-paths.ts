import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { PRODUCER_PRINCIPALS_ENV, RUNTIME_TABLE_ENV, streamEnvVar } from '../../shared/config';
import { wireIngress } from '../../shared/ingress';
import { lambdaContext } from '../../test/fixtures/apigw';
import { catalog } from '../lib/catalog';
import { diffCalls } from '../lib/kinesis-calls';
import { diffCounts } from '../lib/meter';
import { cloudEventsBatch, LOAD_TOPIC, PRINCIPAL, spineRequest } from '../lib/requests';
import { createTable } from '../lib/tables';
import type { PathResult } from './consumer-paths';
import { perUnit } from './per-event';
import { createStream, meteredClients, plainDynamo, plainKinesis, type RareEndpoints } from './setup';

const STREAM = 'bench-rare-load';
const TABLE = 'bench-rare-idempotency';
/** On-demand streams start with 4 shards; a request's keys spread over them, and so does a log search. */
const SHARDS = 4;
const BATCH = 50;
const NORMAL_REQUESTS = 4;
/**
 * Time left handed to each request. The takeover search reads the log per event (ListShards,
 * GetShardIterator, GetRecords); kinesis-mock takes tens of ms per call on this shared machine, so
 * within an API Gateway-sized 30 s a 50-event search runs out of time here (it answers 503 for the
 * rest, and the producer retries again). A longer deadline makes the same calls finish in one retry;
 * only calls are measured, not time.
 */
const REMAINING_MS = 300_000;

/** What the network does to one PutRecords call of the ingress. */
type Fault = 'none' | 'answer-lost' | 'request-lost' | 'refused';

/** The answer never comes back (a timeout): no status code, so the writer cannot know the outcome. */
const lost = () => Object.assign(new Error('bench: PutRecords answer lost'), { name: 'TimeoutError' });
/** The connection was never made: nothing reached Kinesis, and the writer knows it. */
const refused = () =>
  Object.assign(new Error('bench: connect ECONNREFUSED'), { name: 'Error', code: 'ECONNREFUSED' });

/**
 * Injects `plan(callIndex)` on PutRecords calls, beside the wire (deserialize step): `answer-lost`
 * lets Kinesis store the records and then throws as a timed-out call does.
 */
const injectFaults = (kinesis: KinesisClient, plan: { next: (call: number) => Fault }) => {
  let calls = 0;
  const seen = { refused: 0 };
  kinesis.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutRecordsCommand') return next(args);
      const fault = plan.next(calls);
      calls += 1;
      if (fault === 'refused') {
        seen.refused += 1;
        throw refused();
      }
      if (fault === 'request-lost') throw lost();
      const out = await next(args);
      if (fault === 'answer-lost') throw lost();
      return out;
    },
    { step: 'deserialize', name: 'benchPutRecordsFaults' },
  );
  return seen;
};

const ingressOn = (ep: RareEndpoints, plan: { next: (call: number) => Fault }) => {
  const clients = meteredClients(ep);
  const faults = injectFaults(clients.kinesis, plan);
  const handler = wireIngress({
    catalog,
    kinesis: clients.kinesis,
    dynamo: clients.dynamo,
    env: {
      ...Object.fromEntries(catalog.topics.map((t) => [streamEnvVar(t.name), `${STREAM}-${t.name}`])),
      [streamEnvVar(LOAD_TOPIC)]: STREAM,
      [RUNTIME_TABLE_ENV.idempotency]: TABLE,
      [PRODUCER_PRINCIPALS_ENV]: JSON.stringify({ [PRINCIPAL]: 'storefront' }),
    },
    log: (message, error) => {
      if (process.env.BENCH_DEBUG) console.error(message, error instanceof Error ? error.message : error);
    },
  });
  const d0 = clients.dynamoMeter.snapshot();
  const k0 = clients.kinesisMeter.snapshot();
  return {
    post: async (run: string, from: number) => {
      const out = await handler(
        spineRequest(cloudEventsBatch(run, from, BATCH)),
        lambdaContext(REMAINING_MS),
      );
      if (process.env.BENCH_DEBUG) console.error(out.statusCode, String(out.body).slice(0, 600));
      return out.statusCode;
    },
    cost: (units: number) =>
      perUnit(
        diffCounts(clients.dynamoMeter.snapshot(), d0),
        diffCalls(clients.kinesisMeter.snapshot(), k0),
        units,
      ),
    /** PutRecords attempts refused before reaching Kinesis (counted as calls, never billed). */
    refused: () => faults.refused,
    destroy: clients.destroy,
  };
};

const expectStatus = (path: string, got: number | undefined, want: number) => {
  if (got !== want) throw new Error(`rare path "${path}" answered ${got}, expected ${want}`);
};

const normal = async (ep: RareEndpoints): Promise<PathResult> => {
  const path = `publish with producer ids, batches of ${BATCH}`;
  const ingress = ingressOn(ep, { next: () => 'none' });
  for (let r = 0; r < NORMAL_REQUESTS; r += 1)
    expectStatus(path, await ingress.post('rinrm', r * BATCH), 202);
  const units = NORMAL_REQUESTS * BATCH;
  const cost = ingress.cost(units);
  ingress.destroy();
  return {
    side: 'ingress',
    path,
    per: 'event',
    units,
    invocations: NORMAL_REQUESTS,
    detail: `${NORMAL_REQUESTS} requests, new ids: claim + complete per event`,
    ...cost,
  };
};

/** The first PutRecords answer is lost; the writer re-sends the records marked within the same request. */
const lostAnswerInRequest = async (ep: RareEndpoints): Promise<PathResult> => {
  const path = 'PutRecords answer lost once, re-sent marked in the same request';
  const ingress = ingressOn(ep, { next: (call) => (call === 0 ? 'answer-lost' : 'none') });
  expectStatus(path, await ingress.post('rilst', 0), 202);
  const cost = ingress.cost(BATCH);
  ingress.destroy();
  return {
    side: 'ingress',
    path,
    per: 'event',
    units: BATCH,
    invocations: 1,
    detail: `1 request of ${BATCH}: the log holds each event twice (the copy marked; consumers skip it)`,
    ...cost,
  };
};

/**
 * The request's PutRecords outcome stays unknown (the first call's answer lost, or the call itself
 * lost, and the connection refused on every retry): the ingress answers 503 and keeps the claims. The
 * producer retries: the claims are taken over, the log is searched, and the events are either found
 * (202 duplicate, nothing written) or written marked.
 */
const unknownThenRetry = async (ep: RareEndpoints, stored: boolean): Promise<PathResult> => {
  const path = stored
    ? 'answer lost, 503; producer retry: takeover + search finds the events'
    : 'request lost, 503; producer retry: takeover + search + marked write';
  const run = stored ? 'rifnd' : 'rimrk';
  let failing = true;
  const first: Fault = stored ? 'answer-lost' : 'request-lost';
  const ingress = ingressOn(ep, { next: (call) => (!failing ? 'none' : call === 0 ? first : 'refused') });
  expectStatus(path, await ingress.post(run, 0), 503);
  failing = false;
  expectStatus(path, await ingress.post(run, 0), 202);
  const cost = ingress.cost(BATCH);
  const puts = Math.round((cost.kinesisCallsByOp.PutRecords ?? 0) * BATCH);
  const refusedCalls = ingress.refused();
  ingress.destroy();
  // Found: the retry writes nothing (only the first call and its refused retries). Not found: it writes.
  const retryWrote = puts > 1 + refusedCalls;
  if (retryWrote === stored)
    throw new Error(`rare path "${path}": the retry ${retryWrote ? 'wrote' : 'did not write'}`);
  return {
    side: 'ingress',
    path,
    per: 'event',
    units: BATCH,
    invocations: 2,
    detail: `2 requests of the same ${BATCH} ids; ${puts} PutRecords attempts, ${refusedCalls} of them refused before reaching Kinesis`,
    ...cost,
  };
};

export const runIngressPaths = async (ep: RareEndpoints): Promise<PathResult[]> => {
  const admin = plainKinesis(ep);
  const dynamo = plainDynamo(ep);
  await createStream(admin, STREAM, SHARDS);
  await createTable(dynamo, TABLE, 'pk');
  admin.destroy();
  dynamo.destroy();
  return [
    await normal(ep),
    await lostAnswerInRequest(ep),
    await unknownThenRetry(ep, true),
    await unknownThenRetry(ep, false),
  ];
};
