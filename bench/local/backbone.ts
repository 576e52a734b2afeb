import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Backbone, type LocalLogger, startBackbone } from '../../local';
import { createDynamoClient, createKinesisClient } from '../../shared/aws';
import { type IngressHandler, wireIngress } from '../../shared/ingress';
import { benchCatalog } from '../lib/catalog';
import { DynamoMeter, KinesisMeter } from '../lib/meter';

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
  stop(): Promise<void>;
}

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
    if (!token) throw new Error('local mode issued no token for producer storefront');
    return {
      backbone,
      ingressDynamo,
      ingressKinesis,
      token,
      ingressErrors,
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
