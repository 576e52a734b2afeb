import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Catalog } from '../catalog';
import { createSchemaRegistry } from '../schemas';
import { createIngress, type IngressDeps, type IngressHandler } from './app';
import { loadIngressConfig } from './config';
import { createDynamoIdempotencyStore } from './idempotency-dynamo';

export interface WireIngressOptions extends Partial<Omit<IngressDeps, 'catalog' | 'kinesis' | 'dynamo'>> {
  readonly catalog: Catalog;
  readonly kinesis: KinesisClient;
  readonly dynamo: DynamoDBClient;
  /** Where the configuration is read from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The ingress as the Lambda runs it: configuration from the environment (failing at once, naming a
 * missing variable), every schema compiled, the DynamoDB idempotency store. The Lambda entry point,
 * the tests and the benchmarks all build it here, so they measure and test the production wiring;
 * any `IngressDeps` field may be overridden.
 */
export const wireIngress = (options: WireIngressOptions): IngressHandler => {
  const { env, ...overrides } = options;
  const config = overrides.config ?? loadIngressConfig(options.catalog, env);
  return createIngress({
    registry: createSchemaRegistry(options.catalog),
    store: createDynamoIdempotencyStore(options.dynamo, config.idempotencyTable),
    ...overrides,
    config,
  });
};
