import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import {
  type Catalog,
  type EventSourceMappingSettings,
  type ServiceSpec,
  type SubscriptionSpec,
  subscriptions,
} from '../../shared/catalog';
import type { LambdaHandler } from '../handler';
import type { LocalLogger } from '../log';
import type { StreamActivity } from '../net';
import { type IdleWait, runMapping } from './mapping';
import { filePositionStore } from './positions';

export {
  classifyResponse,
  type DeliveryPolicy,
  type DiscardCondition,
  type DiscardInfo,
  deliver,
} from './deliver';
export { type OnFailureRecord, onFailureRecord } from './failures';
export { laneBatches, laneOf, ShardWatermark } from './lanes';
export { pauseAcknowledged, pauseFlagFile, pauseToken, releasePause, requestPause } from './pause';
export { filePositionStore } from './positions';
export { toLambdaRecord } from './records';
export { type ReshardResult, type ReshardStep, reshardStream } from './reshard';

/** How long `stop()` waits for in-flight invocations before abandoning them (redelivered next start). */
const STOP_TIMEOUT_MS = 10_000;

export interface EsmOptions {
  readonly catalog: Catalog;
  /** Service name to its loaded handler. */
  readonly handlers: ReadonlyMap<string, LambdaHandler<KinesisStreamEvent>>;
  readonly kinesis: KinesisClient;
  /** `<home>/esm`: positions per (service, topic, shard). */
  readonly esmDir: string;
  /** Where discarded batches' on-failure messages go (metadata only, as an SQS destination gets). */
  readonly failuresFile: string;
  readonly log: LocalLogger;
  /**
   * Overrides a mapping's settings. @default eventSourceMappingSettings(subscription), as deployed (never
   * gives up); tests and fault drills use it to exercise the mapping's own give-ups.
   */
  readonly settingsFor?: (service: ServiceSpec, subscription: SubscriptionSpec) => EventSourceMappingSettings;
  /**
   * What the Kinesis relay saw written and resharded. With it, idle pollers and shard listings sleep
   * up to `MAX_WATCHED_IDLE_MS` and wake on their stream's activity; without it, Lambda's ~1 s.
   */
  readonly activity?: StreamActivity;
}

export interface EventSourceMappings {
  /** Lets in-flight invocations finish (up to 10 s), then stops every poller. */
  stop(): Promise<void>;
}

/** An idle wait that ends early on the stream's activity (see `StreamActivity`). */
const idleWait =
  (activity: StreamActivity, signal: AbortSignal): IdleWait =>
  (kind, stream, ms) =>
    activity.wait(kind, stream, ms, signal);

/** Starts one emulated Kinesis event source mapping per (service, subscription) of the catalog. */
export const startEventSourceMappings = (options: EsmOptions): EventSourceMappings => {
  const abort = new AbortController();
  // Every shard poller and mapping waits on this one signal.
  setMaxListeners(0, abort.signal);
  const isStopping = () => abort.signal.aborted;
  const pause = (ms: number) => sleep(ms, undefined, { signal: abort.signal }).catch(() => {});
  const runs = subscriptions(options.catalog).map(({ service, subscription }) => {
    const handler = options.handlers.get(service.name);
    if (!handler) throw new Error(`no handler loaded for service ${service.name}`);
    return runMapping({
      service,
      subscription,
      handler,
      kinesis: options.kinesis,
      positions: filePositionStore(options.esmDir, service.name, subscription.topic),
      ...(options.settingsFor && { settings: options.settingsFor(service, subscription) }),
      esmDir: options.esmDir,
      failuresFile: options.failuresFile,
      log: options.log,
      isStopping,
      pause,
      ...(options.activity && { idle: idleWait(options.activity, abort.signal) }),
    }).catch((error: unknown) =>
      options.log.error(`ESM ${service.name}<-${subscription.topic} stopped unexpectedly`, {
        error: String(error),
      }),
    );
  });
  return {
    stop: async () => {
      abort.abort();
      const timer = new AbortController();
      const finished = await Promise.race([
        Promise.all(runs).then(() => true),
        sleep(STOP_TIMEOUT_MS, false, { signal: timer.signal }).catch(() => true),
      ]);
      timer.abort();
      if (!finished)
        options.log.warn(
          `ESM: in-flight invocations still running after ${STOP_TIMEOUT_MS} ms were abandoned; their batches will be delivered again on the next start`,
        );
    },
  };
};
