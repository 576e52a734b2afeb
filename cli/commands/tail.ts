import { decodeEnvelope, type Envelope } from '../../shared/envelope';
import { type LogPosition, type LogRecord, OpsError, readRange, startOf, topicOf } from '../../shared/ops';
import type { CliIo, OpsContext } from '../context';

export interface TailOptions {
  readonly from: LogPosition;
  readonly key?: string;
  readonly type?: string;
  readonly follow: boolean;
  readonly limit?: number;
  readonly json?: boolean;
}

interface Line {
  readonly record: LogRecord;
  readonly envelope?: Envelope;
  readonly error?: string;
}

const decode = (record: LogRecord): Line => {
  try {
    return { record, envelope: decodeEnvelope(Buffer.from(record.data, 'base64')) };
  } catch (error) {
    return { record, error: error instanceof Error ? error.message : String(error) };
  }
};

/**
 * `subject` and the producer's extensions as ` name=value` pairs; strings are JSON-quoted, so a value
 * with spaces or `=` stays one token and `"42"` (a binary-mode header) reads apart from `42`.
 */
const attributes = (envelope: Envelope): string => {
  const pairs = Object.entries({
    ...(envelope.subject === undefined ? {} : { subject: envelope.subject }),
    ...envelope.extensions,
  });
  return pairs.map(([name, value]) => ` ${name}=${JSON.stringify(value)}`).join('');
};

const render = (line: Line, json: boolean | undefined): string => {
  const { record, envelope } = line;
  const position = {
    shardId: record.shardId,
    sequenceNumber: record.sequenceNumber,
    arrivedAt: new Date(record.arrivedAt).toISOString(),
  };
  if (json)
    return JSON.stringify(
      envelope
        ? { ...position, envelope }
        : { ...position, partitionKey: record.partitionKey, error: line.error, data: record.data },
    );
  const head = `${position.arrivedAt} ${record.shardId}/${record.sequenceNumber}`;
  if (!envelope) return `${head} <undecodable: ${line.error}> key=${record.partitionKey}`;
  return `${head} ${envelope.type} v${envelope.dataversion} key=${envelope.partitionkey} id=${envelope.id}${attributes(envelope)} ${JSON.stringify(envelope.data)}`;
};

/**
 * Prints a topic's events like `kafka-console-consumer`: every shard read in order from `--from`
 * (default: latest), following the tip until Ctrl-C unless `--no-follow`; `--limit` stops after N.
 */
export const tailCommand = async (
  ctx: OpsContext,
  io: CliIo,
  topic: string,
  options: TailOptions,
): Promise<number> => {
  topicOf(ctx.catalog, topic);
  if (options.from.kind === 'checkpoint')
    throw new OpsError(
      'INVALID_POSITION',
      'tail has no checkpoint; use start, latest, a time or a sequence number',
    );
  const stop = new AbortController();
  const signal = AbortSignal.any([io.signal, stop.signal]);
  let printed = 0;
  const shards = await ctx.reader.shards(topic);
  const readShard = async (shardId: string) => {
    const range = {
      shardId,
      start: startOf(options.from, undefined),
      filter: (r: LogRecord) => options.key === undefined || r.partitionKey === options.key,
    };
    for await (const page of readRange(ctx.reader, topic, range, { signal, follow: options.follow })) {
      for (const record of page) {
        const line = decode(record);
        if (options.type !== undefined && line.envelope?.type !== options.type) continue;
        if (options.limit !== undefined && printed >= options.limit) break;
        io.out(render(line, options.json));
        printed += 1;
      }
      if (options.limit !== undefined && printed >= options.limit) {
        stop.abort();
        return;
      }
    }
  };
  if (options.follow) await Promise.all(shards.map((s) => readShard(s.shardId)));
  else for (const s of shards) await readShard(s.shardId);
  if (!options.json && !options.follow) io.err(`${printed} event(s)`);
  return 0;
};
