/**
 * Kinesis lite as its own process, the way local mode runs it (local/emulators/kinesis-lite-process.ts):
 * `node main.js --port N [--data-dir DIR] [marker]`. It serves until SIGTERM or SIGINT, or until its
 * stdin reaches EOF (the leash, ../leash.ts: the runtime that holds the pipe's other end died), then
 * closes its server and exits 0. Nothing needs saving at exit: every change is already in the journal.
 */
import { parseArgs } from 'node:util';
import { startMemoryKinesis } from './server';

const { values } = parseArgs({
  options: { port: { type: 'string' }, 'data-dir': { type: 'string' } },
  // The marker (`--spine-home=...`) that lets a later start recognise an orphan is not ours to read.
  allowPositionals: true,
  strict: false,
});
const port = Number(values.port);
const dataDir = values['data-dir'];
if (!Number.isInteger(port) || port < 0 || (dataDir !== undefined && typeof dataDir !== 'string')) {
  console.error('usage: kinesis-lite --port N [--data-dir DIR] (no data dir: memory only)');
  process.exit(2);
}

const started = Date.now();
const kinesis = await startMemoryKinesis({
  port,
  ...(typeof dataDir === 'string' && { dataDir }),
  // The change is applied in memory but not on disk: exit before its request is answered.
  onJournalFailure: (error) => {
    console.error(`kinesis-lite: journal append failed, exiting unanswered: ${String(error)}`);
    process.exit(70);
  },
});
const { entries, records, tornBytes, trimmed } = kinesis.replayed;
console.log(
  `kinesis-lite ${process.pid} listening on 127.0.0.1:${kinesis.port}; replayed ${entries} journal entries (${records} records) in ${Date.now() - started} ms` +
    (tornBytes > 0 ? `; dropped a torn last line of ${tornBytes} bytes (never answered)` : '') +
    (trimmed > 0 ? `; trimmed ${trimmed} records past retention and compacted the journal` : ''),
);

let stopping = false;
const stop = (why: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`kinesis-lite ${process.pid} stopping (${why})`);
  void kinesis.stop().then(() => process.exit(0));
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
if (process.env.SPINE_LEASH === 'stdin') {
  process.stdin.on('end', () => stop('the runtime is gone: leash EOF'));
  process.stdin.on('error', () => stop('the runtime is gone: leash error'));
  process.stdin.resume();
}
