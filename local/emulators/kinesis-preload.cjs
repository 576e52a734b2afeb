'use strict';
/**
 * Loaded into kinesis-mock with `node --require` (plain CommonJS: it runs before kinesis-mock's own
 * code, with no TypeScript loader). Two jobs, both because kinesis-mock cannot be configured to do them:
 *
 * 1. Crash-safe saves. kinesis-mock rewrites `<PERSIST_PATH>/<PERSIST_FILE_NAME>` in place every
 *    PERSIST_INTERVAL (truncate, then write the whole state as one JSON document). A kill between the
 *    truncate and the last byte leaves an empty or cut file, and the next start dies with
 *    `java.util.NoSuchElementException` (measured: SIGKILL during a save leaves 0 bytes). Here each save
 *    goes to a temporary file that is fsynced and renamed over the data file only once complete, so the
 *    data file is always the last complete save. Cost: one fsync per save (every PERSIST_INTERVAL).
 * 2. Dies with its parent. stdin is a pipe whose other end only the Spine runtime holds; the kernel
 *    closes it however the runtime dies (SIGKILL, OOM, crash). EOF here waits for a save begun after it
 *    (so everything acknowledged is on disk), then triggers kinesis-mock's own SIGTERM path, which writes
 *    a final save and exits.
 *
 * Next to the data file it keeps (names shared with kinesis-data.ts):
 * - `kinesis-saves.json`: what the last complete save provably holds: every record acknowledged by this
 *   process between `startedAt` and `durableUntil` (ms since epoch), plus whatever it loaded at start.
 *   `durableUntil` is the moment the previous save began writing: kinesis-mock saves one at a time
 *   (a semaphore around snapshot and write), so the next snapshot is taken after that moment and holds
 *   everything acknowledged before it.
 * - `kinesis-running.json`: present while this process runs; left behind only when it was killed.
 */
const fs = require('node:fs');
const path = require('node:path');

const dir = path.resolve(process.env.PERSIST_PATH || 'data');
const dataFile = path.join(dir, process.env.PERSIST_FILE_NAME || 'kinesis-data.json');
const savesFile = path.join(dir, 'kinesis-saves.json');
const runningFile = path.join(dir, 'kinesis-running.json');
const startedAt = Date.now();
/** When the last save began writing; every later snapshot is taken after it. */
let lastOpened = startedAt;
let saves = 0;
/** The number of the last save whose file is complete and in place. */
let lastCompleted = 0;

const writeAtomic = (file, text) => {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
};

if (process.env.SHOULD_PERSIST_DATA === 'true') {
  fs.mkdirSync(dir, { recursive: true });
  writeAtomic(runningFile, JSON.stringify({ pid: process.pid, startedAt }));
  // 'exit' runs after kinesis-mock's shutdown finalizers (its final save); a kill skips it.
  process.on('exit', () => fs.rmSync(runningFile, { force: true }));

  const createWriteStream = fs.createWriteStream;
  fs.createWriteStream = function patchedCreateWriteStream(target, options) {
    if (typeof target !== 'string' || path.resolve(target) !== dataFile)
      return createWriteStream.call(fs, target, options);
    saves += 1;
    const number = saves;
    const tmp = `${dataFile}.${process.pid}-${saves}.saving`;
    const durableUntil = lastOpened;
    lastOpened = Date.now();
    const stream = createWriteStream.call(fs, tmp, options);
    let saved = false;
    // Completed before 'finish' is emitted, which is what kinesis-mock waits for: its final save on
    // SIGTERM is followed by an immediate exit, so a rename left for the close would never happen.
    stream._final = function final(callback) {
      fs.fsync(this.fd, (syncError) => {
        if (syncError) return callback(syncError);
        try {
          fs.renameSync(tmp, dataFile);
          saved = true;
          lastCompleted = Math.max(lastCompleted, number);
          writeAtomic(
            savesFile,
            JSON.stringify({ pid: process.pid, startedAt, durableUntil, savedAt: Date.now() }),
          );
        } catch (renameError) {
          return callback(renameError);
        }
        callback();
      });
    };
    // A failed save leaves the data file as it was; its partial temporary file goes.
    const destroy = stream._destroy;
    stream._destroy = function patchedDestroy(error, callback) {
      destroy.call(this, error, (closeError) => {
        if (!saved) fs.rmSync(tmp, { force: true });
        callback(closeError);
      });
    };
    return stream;
  };
}

// The leash: EOF on stdin means the runtime is gone. First wait (up to LEASH_SAVE_WAIT_MS) for a
// periodic save that began after that moment to be in place: it holds every record acknowledged before
// the runtime died, so nothing it acknowledged depends on the shutdown below. Only then SIGTERM
// ourselves so kinesis-mock saves once more and exits; if that has not happened after LEASH_GRACE_MS
// (its shutdown can hang: SIGTERM stops the periodic saves, and a loaded machine once took longer than
// the grace, losing a whole acknowledged batch of the chaos run), exit anyway: the last complete save
// stays (kinesis-mock replaces process.exit with its graceful one, hence SIGKILL).
const LEASH_GRACE_MS = 4000;
const LEASH_SAVE_WAIT_MS = 2500;
if (process.env.SPINE_LEASH === 'stdin') {
  let gone = false;
  const shutDown = () => {
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => process.kill(process.pid, 'SIGKILL'), LEASH_GRACE_MS).unref();
  };
  const onParentGone = () => {
    if (gone) return;
    gone = true;
    if (process.env.SHOULD_PERSIST_DATA !== 'true') return shutDown();
    const begunBefore = saves;
    const giveUpAt = Date.now() + LEASH_SAVE_WAIT_MS;
    const check = () => {
      if (lastCompleted > begunBefore || Date.now() >= giveUpAt) return shutDown();
      setTimeout(check, 20);
    };
    check();
  };
  process.stdin.on('end', onParentGone);
  process.stdin.on('error', onParentGone);
  process.stdin.resume();
  // Watching must not keep kinesis-mock alive once its own shutdown is done.
  process.stdin.unref?.();
}
