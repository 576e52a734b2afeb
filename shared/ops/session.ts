import { type SubscriptionSpec, serviceByName } from '../catalog';
import { sendBatch } from './deliver';
import { OpsError } from './errors';
import { type LogPosition, logPositionSchema } from './position';
import { readRange, type ShardRange } from './range';
import type { ReplayDeps, ReplayHooks, ReplayRequest } from './replay-types';
import { scopedShardId } from './scope';

export const REPLAY_SESSION = 'replay';

/** The subscription a replay targets; unknown names fail with what exists. */
export const subscriptionOf = (
  deps: Pick<ReplayDeps, 'catalog'>,
  service: string,
  topic: string,
): SubscriptionSpec => {
  const spec = serviceByName(deps.catalog, service);
  if (!spec)
    throw new OpsError(
      'UNKNOWN_SERVICE',
      `no service "${service}"; services: ${deps.catalog.services.map((s) => s.name).join(', ')}`,
    );
  const sub = spec.subscriptions.find((s) => s.topic === topic);
  if (!sub)
    throw new OpsError(
      'NOT_SUBSCRIBED',
      `service "${service}" does not subscribe to "${topic}"; it reads: ${spec.subscriptions.map((s) => s.topic).join(', ') || '(nothing)'}`,
    );
  return sub;
};

/** Delivers ranges shard by shard, in order, in batches of the subscription's size; stops on the signal. */
export const deliverRanges = async (
  deps: ReplayDeps,
  request: Pick<ReplayRequest, 'service' | 'topic' | 'emits'>,
  ranges: readonly ShardRange[],
  scope: string | undefined,
  total: number,
  hooks: ReplayHooks,
): Promise<{ delivered: number; interrupted: boolean }> => {
  const sub = subscriptionOf(deps, request.service, request.topic);
  const shape = {
    streamArn: await deps.reader.streamArn(request.topic),
    region: deps.region,
    ...(scope && { scope }),
    ...(request.emits && { emits: request.emits }),
  };
  let delivered = 0;
  const options = {
    service: request.service,
    topic: request.topic,
    shape,
    maxAttempts: sub.retry.maxAttempts,
    onDelivered: (n: number) => {
      delivered += n;
      hooks.onProgress?.(delivered, total);
    },
  };
  hooks.onProgress?.(0, total);
  for (const range of ranges) {
    let batch: Parameters<typeof sendBatch>[1][number][] = [];
    for await (const page of readRange(deps.reader, request.topic, range, {
      ...(hooks.signal && { signal: hooks.signal }),
    })) {
      batch.push(...page);
      while (batch.length >= sub.batchSize) {
        if (hooks.signal?.aborted) return { delivered, interrupted: true };
        await sendBatch(deps.delivery, batch.splice(0, sub.batchSize), options);
      }
    }
    if (hooks.signal?.aborted) return { delivered, interrupted: true };
    if (batch.length > 0) await sendBatch(deps.delivery, batch, options);
    batch = [];
  }
  return { delivered, interrupted: hooks.signal?.aborted ?? false };
};

/** Parses a position stored in a session record. */
export const positionFrom = (json: string): LogPosition => {
  const parsed = logPositionSchema.safeParse(JSON.parse(json));
  if (parsed.success) return parsed.data;
  throw new OpsError('SESSION_CONFLICT', `unreadable position in the session record: ${json}`);
};

/** Drops a finished session's checkpoints and record. */
export const finishSession = async (
  deps: ReplayDeps,
  request: Pick<ReplayRequest, 'service' | 'topic'>,
  scope: string,
) => {
  for (const c of await deps.store.checkpoints(request.service, request.topic))
    if (c.scope === scope)
      await deps.store.deleteCheckpoint(request.service, request.topic, scopedShardId(c.shardId, scope));
  await deps.store.deleteSession(request.service, request.topic, REPLAY_SESSION);
};

/** The catalog entry of a topic; unknown names fail with what exists. */
export const topicOf = (catalog: ReplayDeps['catalog'], topic: string) => {
  const spec = catalog.topics.find((t) => t.name === topic);
  if (!spec)
    throw new OpsError(
      'UNKNOWN_TOPIC',
      `no topic "${topic}"; topics: ${catalog.topics.map((t) => t.name).join(', ')}`,
    );
  return spec;
};
