import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { createHttpHandler } from '../../shared/aws';
import { processPidsSchema, startCpuWindow } from '../lib/proc-cpu';
import { envelopeOf, eventId, orderData } from '../lib/workload';

/**
 * Load generator for the raw log: `concurrency` loops of PutRecords (`batch` records each, the same
 * ~1 KB envelopes the ingress writes) against kinesis-mock for `seconds`; prints accepted records as
 * JSON. Runs in its own process, like autocannon, so it does not share an event loop with local mode.
 * With `pids` (JSON role -> pid), also prints the CPU ms of itself and of each of those processes over
 * the load window (bench/lib/proc-cpu.ts). `warmup` seconds of the same load run first, unmeasured: a
 * fresh process spends its first few thousand calls compiling the SDK's paths (measured on 2b's raw
 * side: 2.5-3.6 ms CPU per call over the first 8 s, 1.3-1.7 ms from ~12 s on, at load 3.5-6.8).
 * Usage: node --import tsx raw-putrecords.ts <endpoint> <stream> <concurrency> <seconds> <batch> [pids] [warmup]
 */
const [endpoint = '', stream = 'load', c = '10', s = '10', b = '50', p = '{}', w = '0'] =
  process.argv.slice(2);
const pids = processPidsSchema.parse(JSON.parse(p));
const warmupSeconds = Number(w);
const concurrency = Number(c);
const seconds = Number(s);
const batch = Number(b);

const client = new KinesisClient({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  requestHandler: createHttpHandler(),
});

let accepted = 0;
let failed = 0;
let calls = 0;
let next = 0;

const loop = async (deadline: number) => {
  while (performance.now() < deadline) {
    const from = next;
    next += batch;
    const Records = Array.from({ length: batch }, (_, k) => {
      const data = orderData('raw', from + k);
      return {
        PartitionKey: data.orderId,
        Data: Buffer.from(JSON.stringify(envelopeOf(data, eventId('raw', from + k)))),
      };
    });
    const out = await client.send(new PutRecordsCommand({ StreamName: stream, Records }));
    calls += 1;
    failed += out.FailedRecordCount ?? 0;
    accepted += batch - (out.FailedRecordCount ?? 0);
  }
};

const run = (forSeconds: number) => {
  const deadline = performance.now() + forSeconds * 1000;
  return Promise.all(Array.from({ length: concurrency }, () => loop(deadline)));
};
if (warmupSeconds > 0) {
  await run(warmupSeconds);
  accepted = 0;
  failed = 0;
  calls = 0;
}
const started = performance.now();
const window = startCpuWindow(pids);
await run(seconds);
const cpu = window.stop();
const elapsed = (performance.now() - started) / 1000;
client.destroy();
process.stdout.write(`${JSON.stringify({ accepted, failed, calls, seconds: elapsed, cpu })}\n`);
