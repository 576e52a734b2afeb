import { reshardStream } from '../../local/esm';
import { localStreamName } from '../../local/names';
import { createKinesisClient } from '../../shared/aws';
import { topicByName } from '../../shared/catalog';
import { OpsError } from '../../shared/ops';
import type { CliIo, OpsContext } from '../context';

/**
 * `spine reshard TOPIC --shards N` (local mode): splits or merges the topic's stream to N open shards,
 * the way on-demand Kinesis scales on its own, so resharding can be rehearsed while events flow. In a
 * deployed stack Kinesis reshards on-demand streams itself; for a provisioned one use
 * `aws kinesis update-shard-count`.
 */
export const reshardCommand = async (
  ctx: OpsContext,
  io: CliIo,
  topic: string,
  options: { shards: number; deployed: boolean; json?: boolean },
): Promise<number> => {
  if (options.deployed)
    throw new OpsError(
      'INVALID_ARGUMENT',
      'reshard is local mode only: deployed on-demand streams reshard themselves; use `aws kinesis update-shard-count` for a provisioned one',
    );
  if (!topicByName(ctx.catalog, topic)) throw new OpsError('UNKNOWN_TOPIC', `no topic "${topic}"`);
  // The local context has pointed the SDK at local mode's endpoints.
  const kinesis = createKinesisClient();
  try {
    const result = await reshardStream(kinesis, localStreamName(topic), options.shards);
    io.out(
      options.json
        ? JSON.stringify({ topic, ...result })
        : result.steps.length === 0
          ? `${topic}: already ${options.shards} open shard(s)`
          : `${topic}: ${result.steps.map((s) => `${s.from} -> ${s.to}`).join(', ')} open shards (${result.openShards.join(', ')})`,
    );
    return 0;
  } finally {
    kinesis.destroy();
  }
};
