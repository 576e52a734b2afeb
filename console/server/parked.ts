import type { OpsContext } from '../../cli/context';
import { OpsError, type ParkedItem, type RedriveOutcome, runRedrive, splitShardId } from '../../shared/ops';
import type { ParkedDetail, ParkedSummary } from '../api-types';
import { decodeRecord } from './decode';

/** Names one parked event: the parking item's key (service, topic, shard, sequence number). */
export interface ParkedRef {
  readonly service: string;
  readonly topic: string;
  readonly sequenceNumber: string;
}

const summaryOf = (i: ParkedItem): ParkedSummary => ({
  service: i.pk,
  topic: i.topic,
  shardId: splitShardId(i.shardId).shardId,
  sequenceNumber: i.sequenceNumber,
  key: i.partitionKey,
  ...(i.eventType && { eventType: i.eventType }),
  attempts: i.attempts,
  ...(i.parkedAt && { parkedAt: i.parkedAt }),
  error: i.error,
  ...(i.redriveFailedIn && { redriveFailedIn: i.redriveFailedIn }),
  ...(i.mayBeApplied === true && { mayBeApplied: true }),
});

/** Every parked event of every service (one Query per service, as `spine parked list`). */
export const listParked = async (ctx: OpsContext): Promise<ParkedSummary[]> => {
  const items: ParkedSummary[] = [];
  for (const service of ctx.catalog.services)
    items.push(...(await ctx.store.parked(service.name)).map(summaryOf));
  return items;
};

const find = async (ctx: OpsContext, ref: ParkedRef): Promise<ParkedItem> => {
  const item = (await ctx.store.parked(ref.service, ref.topic)).find(
    (i) => i.sequenceNumber === ref.sequenceNumber,
  );
  if (!item)
    throw new OpsError(
      'PARKED_NOT_FOUND',
      `no parked event ${ref.sequenceNumber} of ${ref.service} on ${ref.topic} (redriven or discarded already?)`,
    );
  return item;
};

/** One parked event whole: its summary and the record decoded, as `spine parked show`. */
export const showParked = async (ctx: OpsContext, ref: ParkedRef): Promise<ParkedDetail> => {
  const item = await find(ctx, ref);
  const summary = summaryOf(item);
  const event = decodeRecord(item.topic, {
    shardId: summary.shardId,
    sequenceNumber: item.sequenceNumber,
    partitionKey: item.partitionKey,
    data: item.data,
    arrivedAt: item.arrivedAt,
  });
  return { ...summary, event };
};

/** Re-delivers one parked event exactly once through shared/ops `runRedrive`, as `spine parked redrive --seq`. */
export const redriveParked = async (ctx: OpsContext, ref: ParkedRef): Promise<RedriveOutcome> => {
  await find(ctx, ref);
  return runRedrive({ service: ref.service, topic: ref.topic, sequenceNumbers: [ref.sequenceNumber] }, ctx);
};

/**
 * Deletes one parked event for good with the CLI's audit record (`audit#<service>` in the parking
 * table: the whole event, who, when and why), written in the same transaction as the delete.
 */
export const discardParked = async (
  ctx: OpsContext,
  ref: ParkedRef,
  reason: string,
): Promise<ParkedSummary> => {
  if (reason.trim() === '')
    throw new OpsError('INVALID_ARGUMENT', 'discard needs a reason: it is kept in the audit record');
  const item = await find(ctx, ref);
  await ctx.store.discardParked(item, {
    by: `${ctx.operator} (console)`,
    reason: reason.trim(),
    at: new Date().toISOString(),
  });
  return summaryOf(item);
};
