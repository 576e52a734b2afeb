import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { resentSinceOfBytes } from '../../../../shared/envelope';
import { readShard, shardIds } from '../log';

/** One record of a key as the log holds it. */
interface LoggedRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly arrivedAt: number;
  readonly id: string;
  readonly index: number;
  readonly resentSince: number | undefined;
}

const decode = (data: Uint8Array | undefined) => {
  try {
    const envelope = JSON.parse(new TextDecoder().decode(data)) as {
      id?: string;
      partitionkey?: string;
      data?: { index?: number; count?: number };
    };
    // `Counted` carries its index; `MilestoneReached` its count (3, 6, 9, ...).
    const index = Number(envelope.data?.index ?? envelope.data?.count);
    return { id: envelope.id ?? '', key: envelope.partitionkey ?? '', index };
  } catch {
    return { id: '', key: '', index: Number.NaN };
  }
};

/** Every record of `keys` in every shard (closed ones too), in each shard's order. */
const recordsOf = async (kinesis: KinesisClient, stream: string, keys: ReadonlySet<string>) => {
  const byKey = new Map<string, LoggedRecord[]>();
  for (const shardId of await shardIds(kinesis, stream))
    for (const { kinesis: r } of await readShard(kinesis, stream, shardId)) {
      const data = Buffer.from(r.data, 'base64');
      const { id, key, index } = decode(data);
      if (!keys.has(key)) continue;
      const list = byKey.get(key) ?? [];
      list.push({
        shardId,
        sequenceNumber: r.sequenceNumber,
        arrivedAt: Math.round(r.approximateArrivalTimestamp * 1000),
        id,
        index,
        resentSince: resentSinceOfBytes(data),
      });
      byKey.set(key, list);
    }
  return byKey;
};

/**
 * For each out-of-order key: what was applied (the counter's indices, or the auditor's item), and the
 * key's records in log order (shard, sequence number, arrival, index or milestone count, re-send mark). A record is `LATE` when an earlier record of the log already
 * carried its id with a mark: the unmarked original the fault relay held back (late landing). This tells
 * a log that holds the key out of order (publisher, writer, late landing) from a consumer that applied an
 * ordered log out of order.
 */
export const diagnoseOrder = async (
  kinesis: KinesisClient,
  stream: string,
  applied: ReadonlyMap<string, unknown>,
): Promise<string[]> => {
  if (applied.size === 0) return [];
  const logged = await recordsOf(kinesis, stream, new Set(applied.keys()));
  return [...applied].map(([key, what]) => {
    // Within a shard the sequence number is the log order; across shards (a reshard) the arrival time.
    const records = [...(logged.get(key) ?? [])].sort((a, b) =>
      a.shardId === b.shardId
        ? Number(BigInt(a.sequenceNumber) - BigInt(b.sequenceNumber))
        : a.arrivedAt - b.arrivedAt,
    );
    const seen = new Set<string>();
    const lines = records.map((r) => {
      const late = !r.resentSince && seen.has(r.id) ? ' LATE' : '';
      if (r.resentSince) seen.add(r.id);
      const mark = r.resentSince ? ` resent(since ${new Date(r.resentSince).toISOString()})` : '';
      return `    ${r.shardId} ${r.sequenceNumber} at ${new Date(r.arrivedAt).toISOString()} index=${r.index} ${r.id}${mark}${late}`;
    });
    return [`  ${stream} ${key} applied ${JSON.stringify(what)}; log in order:`, ...lines].join('\n');
  });
};
