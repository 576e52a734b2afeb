import autocannon from 'autocannon';
import { z } from 'zod';
import { processPidsSchema, startCpuWindow } from '../lib/proc-cpu';

/**
 * Load generator for run 2b's ingress side: autocannon's engine through its API (as its CLI runs it),
 * in its own process like raw-putrecords.ts, measuring the CPU of itself and of the given processes
 * over the load window. Prints `{ result, cpu }` as JSON: `result` is what `autocannon --json` prints.
 * Usage: node --import tsx http-load.ts '<options as JSON>'
 */
const options = z
  .object({
    url: z.string(),
    token: z.string(),
    body: z.string(),
    connections: z.number().int().positive(),
    seconds: z.number().positive(),
    /** Seconds of the same load first, unmeasured (as raw-putrecords.ts warms its SDK client). */
    warmupSeconds: z.number().nonnegative(),
    pids: processPidsSchema,
  })
  .parse(JSON.parse(process.argv[2] ?? '{}'));

const load = (seconds: number) =>
  autocannon({
    url: options.url,
    connections: options.connections,
    duration: seconds,
    method: 'POST',
    headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
    body: options.body,
    timeout: 30,
  });
if (options.warmupSeconds > 0) await load(options.warmupSeconds);
const window = startCpuWindow(options.pids);
const result = await load(options.seconds);
const cpu = window.stop();
process.stdout.write(`${JSON.stringify({ result, cpu })}\n`);
