import { join } from 'node:path';
import { z } from 'zod';
import { readJsonFile, writeFileAtomic } from '../home';

/**
 * Where a (service, topic, shard) reading stands: after `sequenceNumber` once a batch was handled, or
 * from `startAt` (epoch ms) for a LATEST start that has not handled anything yet, so a restart does
 * not skip records that arrived while it was down. `closed` marks a fully read closed shard.
 */
const positionSchema = z.object({
  sequenceNumber: z.string().optional(),
  startAt: z.number().optional(),
  closed: z.boolean().optional(),
});

export type ShardPosition = z.infer<typeof positionSchema>;

/** The ESM's own checkpoints (Lambda keeps these internally), one small file per shard. */
export interface PositionStore {
  read(shardId: string): ShardPosition | undefined;
  write(shardId: string, position: ShardPosition): void;
}

export const filePositionStore = (esmDir: string, service: string, topic: string): PositionStore => {
  const file = (shardId: string) => join(esmDir, service, topic, `${shardId}.json`);
  return {
    read: (shardId) => readJsonFile(file(shardId), positionSchema),
    // Atomic (temp file + rename): a crash mid-write must not lose the position and replay the shard.
    write: (shardId, position) => writeFileAtomic(file(shardId), `${JSON.stringify(position)}\n`),
  };
};
