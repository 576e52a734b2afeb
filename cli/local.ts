import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KinesisStreamEvent } from 'aws-lambda';
import {
  homePaths,
  LOCAL_REGION,
  localRuntimeTableName,
  localStateTableName,
  localStreamName,
  readEndpointsFile,
} from '../local';
import { lambdaContext } from '../local/context';
import { applyEnvironment, localEnvironment } from '../local/env';
import { filePositionStore, pauseAcknowledged, pauseToken, releasePause, requestPause } from '../local/esm';
import { type LambdaHandler, loadHandler } from '../local/handler';
import { createDocumentClient, createDynamoClient, createKinesisClient } from '../shared/aws';
import { type Catalog, serviceByName } from '../shared/catalog';
import { type Delivery, dynamoOpsStore, kinesisLogReader, type LiveControl, OpsError } from '../shared/ops';
import type { OpsContext } from './context';
import { batchResponse } from './response';

const PAUSE_TIMEOUT_MS = 20_000;

/**
 * Local mode: endpoints and dev tokens from `<home>/endpoints.json`; replay and redrive import each
 * service's handler module in this process, after setting the same environment local mode gives it.
 * `environmentSet`: the caller runs the backbone in this process (npm start), which already set it.
 */
export const localContext = async (
  catalog: Catalog,
  root: string,
  home: string | undefined,
  options: { readonly environmentSet?: boolean } = {},
): Promise<OpsContext> => {
  const dir = resolve(home ?? resolve(root, '.spine'));
  const endpoints = readEndpointsFile(dir);
  if (!endpoints)
    throw new OpsError(
      'NOT_CONFIGURED',
      `no local backbone: ${homePaths(dir).endpoints} is missing; start it with \`npm start\` (or pass --stack NAME)`,
    );
  if (!options.environmentSet) applyEnvironment(localEnvironment(catalog, endpoints));
  const kinesis = createKinesisClient();
  const dynamo = createDynamoClient();
  const reader = kinesisLogReader(kinesis, localStreamName);
  const store = dynamoOpsStore(createDocumentClient(dynamo), {
    checkpoints: localRuntimeTableName('checkpoints'),
    parking: localRuntimeTableName('parking'),
  });
  const esmDir = homePaths(dir).esm;
  const handlers = new Map<string, Promise<LambdaHandler<KinesisStreamEvent>>>();
  const delivery: Delivery = {
    async deliver(service, _topic, records, session) {
      const spec = serviceByName(catalog, service);
      if (!spec) throw new OpsError('UNKNOWN_SERVICE', `no service "${service}"`);
      let handler = handlers.get(service);
      if (!handler) {
        handler = loadHandler<KinesisStreamEvent>(root, spec.entry);
        handlers.set(service, handler);
      }
      return batchResponse(
        await (await handler)(
          { Records: records, ...(session && { spine: session }) } as KinesisStreamEvent,
          lambdaContext(`spine-${service}`, 60_000),
        ),
      );
    },
  };
  const openShards = async (service: string, topic: string) => {
    const positions = filePositionStore(esmDir, service, topic);
    return (await reader.shards(topic)).filter((s) => !positions.read(s.shardId)?.closed);
  };
  const control: LiveControl = {
    async pause(service, topic) {
      requestPause(esmDir, service, topic, randomUUID());
      const deadline = Date.now() + PAUSE_TIMEOUT_MS;
      for (const shard of await openShards(service, topic))
        while (!pauseAcknowledged(esmDir, service, topic, shard.shardId)) {
          if (Date.now() > deadline)
            throw new OpsError(
              'PAUSE_TIMEOUT',
              `live delivery of ${service}<-${topic} did not confirm the pause of ${shard.shardId} within ${PAUSE_TIMEOUT_MS / 1000} s; is local mode (npm start) running with this home?`,
            );
          await sleep(50);
        }
    },
    async resume(service, topic) {
      releasePause(esmDir, service, topic);
    },
    async isPaused(service, topic) {
      return pauseToken(esmDir, service, topic) !== undefined;
    },
  };
  const publisher = {
    async publish(topic: string, body: Record<string, unknown>, producer?: string) {
      const names = Object.keys(endpoints.producers);
      const name = producer ?? (names.length === 1 ? names[0] : undefined);
      const token = name === undefined ? undefined : endpoints.producers[name];
      if (!token)
        throw new OpsError(
          'NOT_CONFIGURED',
          `pass --producer NAME; producers with a dev token: ${names.join(', ') || '(none)'}`,
        );
      const response = await fetch(`${endpoints.ingress}/topics/${encodeURIComponent(topic)}/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: parseBody(text) };
    },
  };
  return {
    target: `local (${dir})`,
    catalog,
    reader,
    store,
    delivery,
    control,
    publisher,
    stateTable: localStateTableName,
    region: LOCAL_REGION,
    operator: `${userInfo().username}@local`,
    close: () => {
      kinesis.destroy();
      dynamo.destroy();
    },
  };
};

export const parseBody = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};
