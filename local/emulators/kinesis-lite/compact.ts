import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JournalEntry } from './journal-entry';
import type { StreamRegistry } from './registry';

/** The registry as journal entries: the clock, each stream's shards, their records in runs of one arrival. */
function* entriesOf(registry: StreamRegistry): Generator<JournalEntry> {
  yield { o: 'clock', n: registry.clock.last };
  for (const stream of registry.streams.values()) {
    yield {
      o: 'stream',
      s: stream.name,
      t: stream.createdAt,
      h: stream.retentionHours,
      shards: stream.shards.map((shard) => ({
        id: shard.id,
        start: shard.range.start.toString(),
        end: shard.range.end.toString(),
        ...(shard.parent !== undefined && { parent: shard.parent }),
        ...(shard.adjacentParent !== undefined && { adjacent: shard.adjacentParent }),
        from: shard.startingSequenceNumber,
        ...(shard.endingSequenceNumber !== undefined && { to: shard.endingSequenceNumber }),
        trimmed: shard.trimmed,
      })),
    };
    for (const shard of stream.shards) {
      let run: JournalEntry & { o: 'put' } = { o: 'put', s: stream.name, t: 0, r: [] };
      for (const record of shard.records) {
        if (run.r.length > 0 && (run.t !== record.arrival || run.r.length >= 500)) {
          yield run;
          run = { o: 'put', s: stream.name, t: 0, r: [] };
        }
        run.t = record.arrival;
        run.r.push([shard.id, record.sequenceNumber, record.partitionKey, record.data]);
      }
      if (run.r.length > 0) yield run;
    }
  }
}

/**
 * Rewrites `file` to hold only what the registry holds now (records past retention gone), atomically:
 * a temporary file, fsynced, renamed over the journal, and the directory fsynced. A kill at any point
 * leaves either the old journal or the new one, both complete. Shards keep their trimmed counts, so a
 * record keeps its index (what iterators hold) across the rewrite.
 */
export const compactJournal = (registry: StreamRegistry, file: string): void => {
  const tmp = `${file}.${process.pid}.compacting`;
  const fd = openSync(tmp, 'w');
  try {
    for (const entry of entriesOf(registry)) {
      const line = Buffer.from(`${JSON.stringify(entry)}\n`);
      let written = 0;
      while (written < line.length) written += writeSync(fd, line, written);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  const dir = openSync(dirname(file), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
};
