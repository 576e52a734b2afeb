import { z } from 'zod';
import { parseCheckpointSk } from '../layout';

const failureSchema = z.object({ sequenceNumber: z.string(), attempts: z.number(), error: z.string() });
const checkpointSchema = z.object({
  sk: z.string(),
  seq: z.string().optional(),
  arrivedAt: z.number().optional(),
  updatedAt: z.number().optional(),
  failure: failureSchema.optional(),
});

/** A checkpoint item as operations read it. */
export interface CheckpointView {
  readonly shardId: string;
  readonly scope?: string;
  readonly sequenceNumber?: string;
  readonly arrivedAt?: number;
  readonly updatedAt?: number;
  readonly failure?: z.infer<typeof failureSchema>;
}

/** A per-key marker (parallelization factor > 1): the last event applied or parked for one key of a shard. */
export interface KeyMarkerView extends CheckpointView {
  readonly key: string;
}

/**
 * Reads one runtime checkpoint item (`sk = shardId[#scope]` or `shardId[#scope]#key#<partition key>`);
 * undefined for anything else in the table.
 */
export const parseCheckpointItem = (
  item: Record<string, unknown>,
): { kind: 'shard'; view: CheckpointView } | { kind: 'key'; view: KeyMarkerView } | undefined => {
  const parsed = checkpointSchema.safeParse(item);
  if (!parsed.success) return undefined;
  const { sk, seq, ...rest } = parsed.data;
  const position = { ...(seq !== undefined && { sequenceNumber: seq }), ...rest };
  const { key, ...shard } = parseCheckpointSk(sk);
  if (key === undefined) return { kind: 'shard', view: { ...shard, ...position } };
  return { kind: 'key', view: { ...shard, key, ...position } };
};
