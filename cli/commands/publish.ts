import { OpsError, topicOf } from '../../shared/ops';
import type { CliIo, OpsContext } from '../context';

export interface PublishOptions {
  readonly type: string;
  readonly data: string;
  readonly key?: string;
  readonly producer?: string;
  readonly json?: boolean;
}

/** Publishes one event through the ingress, so it is validated and authorized like any producer's. */
export const publishCommand = async (
  ctx: OpsContext,
  io: CliIo,
  topic: string,
  options: PublishOptions,
): Promise<number> => {
  topicOf(ctx.catalog, topic);
  let data: unknown;
  try {
    data = JSON.parse(options.data);
  } catch (error) {
    throw new OpsError(
      'INVALID_ARGUMENT',
      `--data is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const body = { type: options.type, data, ...(options.key !== undefined && { key: options.key }) };
  const answer = await ctx.publisher.publish(topic, body, options.producer);
  const ok = answer.status >= 200 && answer.status < 300;
  if (options.json) io.out(JSON.stringify({ status: answer.status, body: answer.body }, null, 2));
  else if (ok) io.out(`${answer.status} accepted: ${JSON.stringify(answer.body)}`);
  else io.err(`${answer.status} rejected: ${JSON.stringify(answer.body, null, 2)}`);
  return ok ? 0 : 1;
};
