import { runCli } from './program';

// Ctrl-C stops long commands between batches (replay resumes on rerun); a second Ctrl-C exits at once.
const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) process.exit(130);
  process.stderr.write('\nstopping after the current batch (Ctrl-C again to exit now)...\n');
  interrupt.abort();
});

const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  signal: interrupt.signal,
  interactive: process.stderr.isTTY === true,
  env: process.env,
  cwd: process.cwd(),
});
process.exit(code);
