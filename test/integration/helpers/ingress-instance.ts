import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { streamEnvVar } from '../../../shared/config';
import {
  createDynamoIdempotencyStore,
  createIngress,
  type IdempotencyStore,
  loadIngressConfig,
} from '../../../shared/ingress';
import { createSchemaRegistry } from '../../../shared/schemas';
import { catalog } from '../../unit/ingress-support';
import { emulatorClient } from './emulators';

/** Counts every write an idempotency store makes: claims, and the ends of claims. */
export const countedStore = (store: IdempotencyStore) => {
  const writes = { claim: 0, other: 0 };
  const other =
    <A extends unknown[]>(call: (...args: A) => Promise<void>) =>
    (...args: A) => {
      writes.other += 1;
      return call(...args);
    };
  const wrapped: IdempotencyStore = {
    claim: (r) => {
      writes.claim += 1;
      return store.claim(r);
    },
    complete: other(store.complete.bind(store)),
    completeBatch: other(store.completeBatch.bind(store)),
    release: other(store.release.bind(store)),
    markUncertain: other(store.markUncertain.bind(store)),
    recordFound: other(store.recordFound.bind(store)),
  };
  return { store: wrapped, writes };
};

export interface InstanceOptions {
  readonly kinesisEndpoint: string;
  readonly dynamoEndpoint: string;
  /** Every topic of the ingress unit catalog writes here. */
  readonly stream: string;
  readonly table: string;
  /** Its claims' lease (a "dying" instance gets a short one). @default the store's */
  readonly leaseMs?: number;
}

/**
 * One ingress instance over the ingress unit catalog, as a Lambda instance is: its own clients (so a
 * fault put on them stays on this instance), its own memory of acknowledged keys, the DynamoDB store.
 * The caller destroys the clients.
 */
export const ingressInstance = (options: InstanceOptions) => {
  const kinesis = new KinesisClient(emulatorClient(options.kinesisEndpoint));
  const dynamo = new DynamoDBClient(emulatorClient(options.dynamoEndpoint));
  const config = loadIngressConfig(catalog, {
    ...Object.fromEntries(catalog.topics.map((t) => [streamEnvVar(t.name), options.stream])),
    SPINE_TABLE_IDEMPOTENCY: options.table,
    SPINE_PRODUCER_PRINCIPALS: JSON.stringify({ 'storefront-role': 'storefront' }),
  });
  const { store, writes } = countedStore(
    createDynamoIdempotencyStore(
      dynamo,
      options.table,
      options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs },
    ),
  );
  const warnings: unknown[] = [];
  const ingress = createIngress({
    catalog,
    registry: createSchemaRegistry(catalog),
    config,
    kinesis,
    dynamo,
    store,
    writer: { retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 } },
    log: (_m, e) => warnings.push(e),
  });
  return { ingress, kinesis, dynamo, store, writes, warnings };
};

/**
 * `ingressInstance` for one test file: the emulators are read when an instance is made (they start in
 * `beforeAll`), and `destroyAll` ends every client made.
 */
export const ingressInstances = (
  emulators: () => Pick<InstanceOptions, 'kinesisEndpoint' | 'dynamoEndpoint'>,
  table: string,
) => {
  const clients: { destroy(): void }[] = [];
  return {
    make(stream: string, leaseMs?: number) {
      const made = ingressInstance({
        ...emulators(),
        stream,
        table,
        ...(leaseMs === undefined ? {} : { leaseMs }),
      });
      clients.push(made.kinesis, made.dynamo);
      return made;
    },
    destroyAll() {
      for (const c of clients.splice(0)) c.destroy();
    },
  };
};
