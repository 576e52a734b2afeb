import type { Catalog } from '../shared/catalog';
import {
  PRODUCER_PRINCIPALS_ENV,
  RUNTIME_TABLE_ENV,
  type RuntimeTable,
  STAGE_ENV,
  stateTableEnvVar,
  streamEnvVar,
  TOMBSTONE_GRACE_ENV,
} from '../shared/config';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './emulators/client';
import type { Endpoints } from './home';
import { localRuntimeTableName, localStateTableName, localStreamName, producerPrincipal } from './names';

/**
 * Everything the CDK app sets on the functions, with local values. Applied to `process.env` before any
 * handler module is imported, because handlers read their config once at module load.
 */
export const localEnvironment = (catalog: Catalog, endpoints: Endpoints): Record<string, string> => {
  const env: Record<string, string> = {
    AWS_ENDPOINT_URL_KINESIS: endpoints.kinesis,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    [STAGE_ENV]: 'local',
    // No grace: a local shard that goes idle after a delete gets no later batch to sweep its tombstone
    // (docs/consumer-single-item.md, "Deletes"). A value already set (a test of the grace) is kept.
    [TOMBSTONE_GRACE_ENV]: process.env[TOMBSTONE_GRACE_ENV] ?? '0',
    [PRODUCER_PRINCIPALS_ENV]: JSON.stringify(
      Object.fromEntries(catalog.producers.map((p) => [producerPrincipal(p.name), p.name])),
    ),
  };
  for (const topic of catalog.topics) env[streamEnvVar(topic.name)] = localStreamName(topic.name);
  for (const [table, variable] of Object.entries(RUNTIME_TABLE_ENV))
    env[variable] = localRuntimeTableName(table as RuntimeTable);
  for (const service of catalog.services)
    for (const table of service.tables)
      env[stateTableEnvVar(service.name, table.name)] = localStateTableName(service.name, table.name);
  return env;
};

/** Sets the variables and drops ones that would point the SDK at a real account instead. */
export const applyEnvironment = (env: Record<string, string>): void => {
  for (const variable of ['AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_ENDPOINT_URL'])
    delete process.env[variable];
  Object.assign(process.env, env);
};
