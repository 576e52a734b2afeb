import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { createKinesisClient } from '../aws';
import type { CopyFinder } from './copy-finder';
import { createKinesisCopyFinder } from './kinesis-copy-finder';
import type { RecoveryDeps } from './recovery';
import { createKinesisShardDirectory, type ShardDirectory } from './shard-parents';

/** What one container keeps to read its subscribed streams and recover outboxes; see `defineConsumer`. */
export interface LogReaders extends Pick<RecoveryDeps, 'shards' | 'drainedParents' | 'claimToken'> {
  readonly copies?: CopyFinder;
}

/**
 * Builds a container's log readers. Kinesis-backed ones are created on first use (a batch without
 * marked records never opens a Kinesis client for them). They do not depend on the store: a replaced
 * store still reads Kinesis. `useKinesis: false` (a test without a Kinesis: `logReaders: false`)
 * leaves out what was not given, so marked records the batch cannot settle are undecided.
 */
export const createLogReaders = (options: {
  readonly copies?: CopyFinder;
  readonly shards?: ShardDirectory;
  readonly useKinesis: boolean;
}): LogReaders => {
  let made: { copies: CopyFinder; shards: ShardDirectory } | undefined;
  const kinesis = () => {
    if (!made) {
      const client = createKinesisClient();
      const shards = options.shards ?? createKinesisShardDirectory(client);
      made = { shards, copies: createKinesisCopyFinder(client, { shards }) };
    }
    return made;
  };
  const copies =
    options.copies ??
    (options.useKinesis
      ? {
          findEarlierAll: (...args: Parameters<CopyFinder['findEarlierAll']>) =>
            kinesis().copies.findEarlierAll(...args),
        }
      : undefined);
  const shards =
    options.shards ??
    (options.useKinesis
      ? {
          parentsOf: (...args: Parameters<ShardDirectory['parentsOf']>) =>
            kinesis().shards.parentsOf(...args),
        }
      : undefined);
  return {
    ...(copies && { copies }),
    ...(shards && { shards }),
    drainedParents: new Set<string>(),
    claimToken: randomUUID(),
  };
};

/** Log look-backs (copies, outbox search) may use a third of the invocation's time; handlers need the rest. */
export const lookBackDeadline = (context?: Context): { deadline?: number } =>
  context ? { deadline: Date.now() + context.getRemainingTimeInMillis() / 3 } : {};
