import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { JournalCorruptError } from './errors';
import { type JournalEntry, journalEntrySchema } from './journal-entry';

/** What opening a journal found: the entries to replay, and what was dropped from a torn end. */
export interface JournalReplay {
  readonly entries: JournalEntry[];
  /** Bytes cut from the end: a last line without its newline (the process died mid-append). */
  readonly tornBytes: number;
}

/**
 * The append-only journal of one Kinesis lite data dir. Each state change is one JSON line written
 * with a synchronous `write(2)` before its request is answered: once the call returns, the line is in
 * the kernel's page cache, so a SIGKILL of the emulator loses no acknowledged record (a power loss
 * may: there is no fsync per write; kinesis-mock's 1 s saves had the same exposure and more).
 */
export class Journal {
  private constructor(private readonly fd: number) {}

  /**
   * Opens (or creates) `file`, reads every complete line and cuts a torn last line off the file, so
   * new appends start on a line boundary. A line that is complete but unreadable is corruption, not a
   * torn append, and fails the start rather than silently dropping acknowledged records.
   */
  static open(file: string): { journal: Journal; replay: JournalReplay } {
    const fd = openSync(file, 'a+');
    try {
      const entries: JournalEntry[] = [];
      const keep = readLines(fd, (line, number) => entries.push(parseLine(file, line, number)));
      const size = fstatSync(fd).size;
      if (size > keep) ftruncateSync(fd, keep);
      return { journal: new Journal(fd), replay: { entries, tornBytes: size - keep } };
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** Appends one entry; throws if the write fails (the caller must then not answer success). */
  append(entry: JournalEntry): void {
    const line = Buffer.from(`${JSON.stringify(entry)}\n`);
    let written = 0;
    while (written < line.length) written += writeSync(this.fd, line, written);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Read size: a journal is read in chunks, as a whole one can pass V8's string limit (~512 MB). */
const CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Calls `onLine` with every non-empty complete line of `fd` from its start (1-based line numbers) and
 * returns the byte length those lines end at: what follows is a torn last line.
 */
const readLines = (fd: number, onLine: (line: string, number: number) => void): number => {
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let carry = Buffer.alloc(0);
  let position = 0;
  let complete = 0;
  let number = 0;
  for (let read = readSync(fd, chunk, 0, CHUNK_BYTES, position); read > 0; ) {
    position += read;
    const data = Buffer.concat([carry, chunk.subarray(0, read)]);
    let start = 0;
    for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10, start)) {
      number += 1;
      if (nl > start) onLine(data.toString('utf8', start, nl), number);
      start = nl + 1;
    }
    complete += start;
    carry = data.subarray(start);
    read = readSync(fd, chunk, 0, CHUNK_BYTES, position);
  }
  return complete;
};

const parseLine = (file: string, line: string, number: number): JournalEntry => {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (cause) {
    throw new JournalCorruptError(file, number, 'is not JSON', { cause });
  }
  const parsed = journalEntrySchema.safeParse(value);
  if (!parsed.success)
    throw new JournalCorruptError(file, number, `is not a journal entry (${parsed.error.message})`);
  return parsed.data;
};
