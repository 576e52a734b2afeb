import type { JournalEntry } from './journal-entry';
import type { StreamRegistry } from './registry';
import { MemoryStream } from './stream';

/**
 * Rebuilds the registry from journal entries, in order. Every sequence number is drawn from the one
 * clock in request order, and the journal is in request order too, so replaying a reshard draws the
 * same shard numbers it drew the first time; records carry theirs. Each change took effect long ago,
 * so streams are ACTIVE after it, and records past retention are trimmed at the end (returns how many).
 */
export const replayJournal = (registry: StreamRegistry, entries: readonly JournalEntry[]): number => {
  for (const entry of entries) apply(registry, entry);
  const now = Date.now();
  let trimmed = 0;
  for (const stream of registry.streams.values()) trimmed += stream.trim(now);
  return trimmed;
};

const apply = (registry: StreamRegistry, entry: JournalEntry): void => {
  if (entry.o === 'clock') {
    registry.clock.advanceTo(entry.n);
    return;
  }
  if (entry.o === 'stream') {
    const shards = entry.shards.map((s) => ({
      id: s.id,
      range: { start: BigInt(s.start), end: BigInt(s.end) },
      ...(s.parent !== undefined && { parent: s.parent }),
      ...(s.adjacent !== undefined && { adjacentParent: s.adjacent }),
      startingSequenceNumber: s.from,
      ...(s.to !== undefined && { endingSequenceNumber: s.to }),
      records: [],
      trimmed: s.trimmed,
    }));
    const stream = new MemoryStream(
      entry.s,
      registry.arnOf(entry.s),
      shards,
      registry.clock,
      registry.delays,
      entry.t,
    );
    stream.retentionHours = entry.h;
    registry.streams.set(entry.s, stream);
    return;
  }
  if (entry.o === 'create') {
    const stream = new MemoryStream(
      entry.s,
      registry.arnOf(entry.s),
      entry.n,
      registry.clock,
      registry.delays,
      entry.t,
    );
    stream.settle();
    registry.streams.set(entry.s, stream);
    return;
  }
  const stream = registry.named(entry.s);
  if (entry.o === 'put')
    for (const [shardId, sequenceNumber, partitionKey, data] of entry.r)
      stream.restore(shardId, { sequenceNumber, partitionKey, data, arrival: entry.t });
  else if (entry.o === 'split') stream.split(entry.shard, BigInt(entry.key));
  else if (entry.o === 'merge') stream.merge(entry.a, entry.b);
  else if (entry.o === 'scale') stream.scale(entry.n);
  else stream.retentionHours = entry.h;
  stream.settle();
};
