import { startMemoryKinesis } from '../../fixtures/memory-kinesis';
import { startEmulators } from './emulators';
import { startLiteProcess } from './kinesis-lite';

/**
 * Where kinesis-mock departs from AWS's documented behaviour. The memory Kinesis follows AWS; each case
 * that meets a difference asserts AWS's behaviour on the memory log and kinesis-mock's own on it.
 */
export interface Quirks {
  /** kinesis-mock closes a shard with EndingSequenceNumber 9223372036854775807 (Long.MaxValue), below its
   * own records' numbers; AWS's is at or above the shard's last record. */
  readonly endingAboveRecords: boolean;
  /** GetShardIterator with a well-formed number from no record of the shard: AWS InvalidArgumentException. */
  readonly foreignSequenceError: string;
  /** GetRecords with a malformed iterator: AWS InvalidArgumentException; kinesis-mock a 500 with no body
   * (the SDK names it `Unknown`). */
  readonly badIteratorError: string;
  /** PutRecords with 501 records: AWS refuses the request (at most 500); kinesis-mock stores them all. */
  readonly over500Records: 'refused' | 'stored';
  /** A PutRecords record over 1 MiB: AWS refuses the whole request; kinesis-mock fails that record only. */
  readonly oversizedInBatch: 'request' | 'record';
  /** The 1 MiB record limit counts data and partition key together (AWS); kinesis-mock counts data only. */
  readonly recordSizeCountsKey: boolean;
}

export interface KinesisTarget {
  readonly name: string;
  readonly quirks: Quirks;
  start(): Promise<{ endpoint: string; stop(): Promise<void> }>;
}

/** The Kinesis the contract suite holds to one set of cases. */
export const KINESIS_TARGETS: readonly KinesisTarget[] = [
  {
    name: 'kinesis-mock',
    quirks: {
      endingAboveRecords: false,
      foreignSequenceError: 'ResourceNotFoundException',
      badIteratorError: 'Unknown',
      over500Records: 'stored',
      oversizedInBatch: 'record',
      recordSizeCountsKey: false,
    },
    start: async () => {
      const emulators = await startEmulators({ log: 'kinesis-mock' });
      return { endpoint: emulators.kinesisEndpoint, stop: () => emulators.stop() };
    },
  },
  {
    // Local mode's Kinesis: the memory Kinesis's code in its own process, journaling every change.
    name: 'kinesis-lite',
    quirks: {
      endingAboveRecords: true,
      foreignSequenceError: 'InvalidArgumentException',
      badIteratorError: 'InvalidArgumentException',
      over500Records: 'refused',
      oversizedInBatch: 'request',
      recordSizeCountsKey: true,
    },
    start: () => startLiteProcess(),
  },
  {
    name: 'memory',
    quirks: {
      endingAboveRecords: true,
      foreignSequenceError: 'InvalidArgumentException',
      badIteratorError: 'InvalidArgumentException',
      over500Records: 'refused',
      oversizedInBatch: 'request',
      recordSizeCountsKey: true,
    },
    start: () => startMemoryKinesis(),
  },
];
