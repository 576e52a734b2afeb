import { type LogPosition, type LogReader, type LogRecord, readRange, startOf } from '../../shared/ops';
import type { DecodedEvent } from '../api-types';
import { decodeRecord } from './decode';

export interface TailFilter {
  readonly from: LogPosition;
  readonly type?: string;
  readonly key?: string;
}

/**
 * Follows every shard of a topic from `from`, as `spine tail` does (shared/ops `readRange`), handing
 * each matching event to `emit` until `signal` aborts (the page closed the stream). Each open tail
 * polls each shard at most twice a second: on a deployed stack, one of the shard's 5 reads/s.
 */
export const followTopic = async (
  reader: LogReader,
  topic: string,
  filter: TailFilter,
  emit: (event: DecodedEvent) => void,
  signal: AbortSignal,
): Promise<void> => {
  const shards = await reader.shards(topic);
  const keep = (r: LogRecord) => filter.key === undefined || r.partitionKey === filter.key;
  await Promise.all(
    shards.map(async (shard) => {
      const range = { shardId: shard.shardId, start: startOf(filter.from, undefined), filter: keep };
      for await (const page of readRange(reader, topic, range, { signal, follow: true }))
        for (const record of page) {
          const event = decodeRecord(topic, record);
          if (filter.type === undefined || event.envelope?.type === filter.type) emit(event);
        }
    }),
  );
};
