import { DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';

/** Kinesis' lowest retention: records younger than this are never trimmed, whatever the stream's setting. */
export const MIN_RETENTION_MS = 24 * 3_600_000;

/**
 * The stream's retention in hours as Kinesis reports it now. Read fresh on every call, never cached:
 * DecreaseStreamRetentionPeriod makes older records inaccessible at once, so a value read before it
 * would call trimmed records readable and let a search report "absent" (a review showed a 5 s cache
 * doing exactly that: a second effect). It is only read for searches that start more than 24 h back,
 * which are rare (retried keys of topics kept longer than a day); one DescribeStreamSummary each (20/s
 * per account). A decrease landing between this read and the write that follows can still race it.
 */
export const streamRetentionHours = async (kinesis: KinesisClient, streamName: string): Promise<number> => {
  const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  return out.StreamDescriptionSummary?.RetentionPeriodHours ?? 24;
};
