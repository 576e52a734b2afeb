import { type LogReader, readRange, type ShardStart } from '../../shared/ops';
import type { DecodedEvent, EventSearchView } from '../api-types';
import { decodeRecord } from './decode';

export interface SearchRequest {
  /** Every event with this partition key (an order's id in the example). */
  readonly key?: string;
  /** The event with this CloudEvents id; its key's events come with it. */
  readonly id?: string;
  /** Read from this time (epoch ms) instead of the start of retention. */
  readonly since?: number;
}

/** Records read at most per search: bounds the cost of one click on a large stream. */
export const SEARCH_LIMIT = 200_000;

const byArrival = (a: DecodedEvent, b: DecodedEvent) =>
  a.arrivedAt - b.arrivedAt ||
  a.topic.localeCompare(b.topic) ||
  (a.sequenceNumber < b.sequenceNumber ? -1 : 1);

/**
 * Every event of a key across all topics, in arrival order (an event emitted in reaction to another
 * arrives after it, so causation reads top-down). Kinesis has no index by key: this reads every shard
 * of every topic over retention (or `since`), one GetRecords per 1000 records, up to SEARCH_LIMIT.
 * By id, the first pass finds the event and a second pass collects its key.
 */
export const searchEvents = async (
  reader: LogReader,
  topics: readonly string[],
  request: SearchRequest,
): Promise<EventSearchView> => {
  let scanned = 0;
  let capped = false;
  const start: ShardStart =
    request.since === undefined ? { type: 'TRIM_HORIZON' } : { type: 'AT_TIMESTAMP', at: request.since };
  // Every shard at once: a search waits for the slowest shard, not for the sum of them.
  const scan = async (keep: (e: DecodedEvent) => boolean) => {
    const shards = (
      await Promise.all(
        topics.map(async (topic) => (await reader.shards(topic)).map((s) => ({ topic, shardId: s.shardId }))),
      )
    ).flat();
    const found = await Promise.all(
      shards.map(async ({ topic, shardId }) => {
        const kept: DecodedEvent[] = [];
        for await (const page of readRange(reader, topic, { shardId, start })) {
          scanned += page.length;
          for (const record of page) {
            const event = decodeRecord(topic, record);
            if (keep(event)) kept.push(event);
          }
          if (scanned >= SEARCH_LIMIT) {
            capped = true;
            break;
          }
        }
        return kept;
      }),
    );
    return found.flat();
  };
  let key = request.key;
  if (key === undefined && request.id !== undefined) {
    const id = request.id;
    const [hit] = await scan((e) => e.envelope?.id === id);
    if (!hit) return { events: [], scanned, capped };
    key = hit.partitionKey;
  }
  if (key === undefined) return { events: [], scanned, capped };
  const wanted = key;
  const events = await scan((e) => e.partitionKey === wanted);
  return { events: events.sort(byArrival), scanned, capped };
};
