import { z } from 'zod';

/**
 * One line of the journal: a state change, written before its request is answered. Field names are
 * short because every accepted PutRecords is one line. `put.r` holds [shardId, sequenceNumber,
 * partitionKey, base64 data] per record, in the order they were stored; all share the arrival `t`.
 */
export const journalEntrySchema = z.discriminatedUnion('o', [
  z.object({ o: z.literal('create'), s: z.string(), n: z.number().int(), t: z.number() }),
  z.object({
    o: z.literal('put'),
    s: z.string(),
    t: z.number(),
    r: z.array(z.tuple([z.string(), z.string(), z.string(), z.string()])),
  }),
  z.object({ o: z.literal('split'), s: z.string(), shard: z.string(), key: z.string() }),
  z.object({ o: z.literal('merge'), s: z.string(), a: z.string(), b: z.string() }),
  z.object({ o: z.literal('scale'), s: z.string(), n: z.number().int() }),
  z.object({ o: z.literal('retention'), s: z.string(), h: z.number().int() }),
  // Written only by compaction (compact.ts): the clock, and a stream's shards as they stand.
  z.object({ o: z.literal('clock'), n: z.string() }),
  z.object({
    o: z.literal('stream'),
    s: z.string(),
    t: z.number(),
    h: z.number().int(),
    shards: z.array(
      z.object({
        id: z.string(),
        start: z.string(),
        end: z.string(),
        parent: z.string().optional(),
        adjacent: z.string().optional(),
        from: z.string(),
        to: z.string().optional(),
        trimmed: z.number().int(),
      }),
    ),
  }),
]);

export type JournalEntry = z.infer<typeof journalEntrySchema>;

/** Where the registry sends each state change; a no-op when nothing is persisted. */
export type JournalSink = (entry: JournalEntry) => void;
