import { DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';

/** Kinesis' lowest retention: records younger than this are never trimmed, whatever the stream's setting. */
export const MIN_RETENTION_MS = 24 * 3_600_000;

/**
 * How long a stream's retention is cached. DecreaseStreamRetentionPeriod drops older records at once, so a
 * stale value could call trimmed records readable: the cache is kept short, and it is only read for
 * searches that start more than 24 h back (rare: retried keys of topics kept longer than a day). Costs
 * one DescribeStreamSummary (20/s per account, shared) per stream per 5 s at most.
 */
const CACHE_MS = 5_000;

const cache = new WeakMap<KinesisClient, Map<string, { hours: number; at: number }>>();

/** The stream's retention in hours as Kinesis reports it now (cached `CACHE_MS`). */
export const streamRetentionHours = async (
  kinesis: KinesisClient,
  streamName: string,
  now: () => number,
): Promise<number> => {
  const streams = cache.get(kinesis) ?? new Map<string, { hours: number; at: number }>();
  cache.set(kinesis, streams);
  const cached = streams.get(streamName);
  if (cached && now() - cached.at < CACHE_MS) return cached.hours;
  const at = now();
  const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  const hours = out.StreamDescriptionSummary?.RetentionPeriodHours ?? 24;
  streams.set(streamName, { hours, at });
  return hours;
};
