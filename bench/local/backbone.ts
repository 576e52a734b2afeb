import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { type Backbone, homePaths, type LocalLogger, startBackbone } from '../../local';
import { createDynamoClient, createKinesisClient } from '../../shared/aws';
import { type IngressHandler, wireIngress } from '../../shared/ingress';
import { benchCatalog } from '../lib/catalog';
import { DynamoMeter, KinesisMeter } from '../lib/meter';
import type { ProcessPids } from '../lib/proc-cpu';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Local mode's own lines would drown the report; keep only errors, except the adapter's "aborted":
 * autocannon closes its connections with requests still in flight when a round ends.
 */
const quiet: LocalLogger = {
  info: () => {},
  warn: () => {},
  error: (message, details) => {
    if (String(details?.error ?? '').includes('aborted')) return;
    console.error(`[spine] ERROR ${message} ${JSON.stringify(details ?? {})}`);
  },
};

export interface BenchBackbone {
  readonly backbone: Backbone;
  /** Meters on the ingress's own clients (DynamoDB idempotency writes, Kinesis puts). */
  readonly ingressDynamo: DynamoMeter;
  readonly ingressKinesis: KinesisMeter;
  readonly token: string;
  /** Requests the ingress answered with a 5xx, by message (logged there, counted here). */
  readonly ingressErrors: string[];
  /** The runtime (this process) and the emulators it spawned, by role: run 2b meters their CPU. */
  readonly pids: ProcessPids;
  stop(): Promise<void>;
}

const pidFile = z.object({ emulators: z.array(z.object({ name: z.string(), pid: z.number().int() })) });

/** The emulators' pids from local mode's pid file: `kinesis` (Kinesis lite or kinesis-mock) and `dynamodb`. */
const emulatorPids = (home: string): ProcessPids => {
  const { emulators } = pidFile.parse(JSON.parse(readFileSync(homePaths(home).pids, 'utf8')));
  const pidOf = (test: RegExp) => {
    const found = emulators.find((e) => test.test(e.name));
    if (!found) throw new Error(`no ${test} emulator in local mode's pid file`);
    return found.pid;
  };
  return { kinesis: pidOf(/^kinesis/), dynamodb: pidOf(/^DynamoDB/) };
};

/**
 * Local mode on the bench catalog, in a fresh temp home on free ports. The ingress is
 * `functions/ingress.ts`'s wiring (config from the environment, the shared client factories, the
 * DynamoDB idempotency store) on the bench catalog, built on the first request, once local mode has
 * set the environment, with meters on its clients.
 */
export const startBenchBackbone = async (options: { withConsumer: boolean }): Promise<BenchBackbone> => {
  const catalog = benchCatalog(undefined, options.withConsumer);
  const home = mkdtempSync(join(tmpdir(), 'spine-bench-'));
  const ingressDynamo = new DynamoMeter();
  const ingressKinesis = new KinesisMeter();
  const ingressErrors: string[] = [];
  let ingress: IngressHandler | undefined;
  const build = (): IngressHandler => {
    const kinesis = createKinesisClient();
    const dynamo = createDynamoClient();
    ingressKinesis.attach(kinesis);
    ingressDynamo.attach(dynamo);
    return wireIngress({
      catalog,
      kinesis,
      dynamo,
      log: (message, error) =>
        ingressErrors.push(`${message}: ${error instanceof Error ? error.message : String(error)}`),
    });
  };
  try {
    const backbone = await startBackbone({
      catalog,
      root: ROOT,
      home,
      fresh: true,
      ports: { ingress: 0, kinesis: 0, dynamodb: 0 },
      log: quiet,
      ingressHandler: (event, context) => {
        ingress ??= build();
        return ingress(event, context);
      },
    });
    const token = backbone.producers.storefront;
    // A backbone that started is stopped before the error goes on: its emulators must not outlive us.
    const fail = async (error: Error) => {
      await backbone.stop();
      throw error;
    };
    if (!token) return await fail(new Error('local mode issued no token for producer storefront'));
    let pids: ProcessPids;
    try {
      pids = { runtime: process.pid, ...emulatorPids(home) };
    } catch (error) {
      return await fail(new Error('local mode left no readable pid file', { cause: error }));
    }
    return {
      backbone,
      ingressDynamo,
      ingressKinesis,
      token,
      ingressErrors,
      pids,
      stop: async () => {
        await backbone.stop();
        rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
};
