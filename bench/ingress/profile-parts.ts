import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Frame, Profile } from '../lib/cpu-profile';

/**
 * `npx tsx bench/ingress/profile-parts.ts [--us N] [--unattributed K] <file.cpuprofile>...`: the busy
 * time of local mode's runtime in run 2b (profiles from `http-only.ts --profile DIR`), split into the
 * parts of the ingress path. A sample belongs to the part of the frame nearest its leaf that has an owner
 * (a rule below): a JSON.parse called by the handler is the handler's, a SHA-256 the SDK's signer's.
 * Samples with no owning frame on their stack are socket and stream work Node runs for a connection
 * without a JavaScript caller of ours: in this process that is the Kinesis relay's pipes (the HTTP
 * server's and the SDK's sockets have their own frames above the stream code). `--us N` also prints each
 * part's share of N (e.g. the measured runtime µs per event of an unprofiled run).
 */

/** The parts, in the order a stack is searched for them (first match at the frame nearest the leaf). */
const PARTS: readonly { name: string; test: (f: Frame) => boolean }[] = [
  { name: 'garbage collection', test: (f) => f.functionName === '(garbage collector)' },
  {
    name: 'bench harness and meters on the ingress clients (bench only)',
    test: (f) => /\/bench\/(lib|local)\//.test(f.url),
  },
  {
    name: 'ingress handler (parse, validate, envelope, publish)',
    test: (f) => /\/(shared\/(ingress|envelope|schemas|catalog|errors)|functions)\//.test(f.url),
  },
  {
    name: 'local HTTP adapter (route, token, API Gateway event and Lambda context, answer)',
    test: (f) => /\/local\/(http\/|context\.ts)/.test(f.url),
  },
  {
    name: 'SDK client (serialize, sign, HTTP request, parse answer)',
    test: (f) =>
      /node_modules\/@(smithy|aws-sdk|aws-crypto)\/|\/shared\/aws\//.test(f.url) ||
      /^node:_http_(client|agent)$/.test(f.url),
  },
  { name: 'HTTP server (node:http: parse, respond)', test: (f) => f.url === 'node:_http_server' },
  {
    // The relay pipes each socket into the other: Readable's `ondata` in `pipe` is its only JS frame.
    name: 'Kinesis relay (pipes, activity tap)',
    test: (f) =>
      /\/local\/(emulators\/proxy\.ts|net\/)/.test(f.url) ||
      (f.functionName === 'ondata' && f.url === 'node:internal/streams/readable'),
  },
];
/** The profiler's own work (Profiler.stop serializing the profile): not the runtime's, left out. */
const PROFILER = (f: Frame) => f.url === 'node:inspector' || f.url.endsWith('/bench/lib/profiler.ts');
/** Leaf functions that are socket syscalls (what a part pays the kernel to write its bytes). */
const SOCKET_WRITES = new Set([
  'writev',
  'writeBuffer',
  'writeUtf8String',
  'writeLatin1String',
  'writeAsciiString',
]);
const spanSchema = z.object({ cpuMs: z.number() });
const SKIP = new Set(['(idle)', '(program)', '(root)']);
const NONE = 'no owning frame (promise and tick scheduling, stream bookkeeping)';

const args = process.argv.slice(2);
const option = (name: string): number | undefined => {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = Number(args[at + 1]);
  args.splice(at, 2);
  return value;
};
const usTotal = option('--us');
const showUnattributed = option('--unattributed') ?? 0;
if (args.length === 0)
  throw new Error('usage: profile-parts.ts [--us N] [--unattributed K] <file.cpuprofile>...');

const parts = new Map<string, number>();
const writes = new Map<string, number>();
let excluded = 0;
let spanCpuMs = 0;
const unattributed = new Map<string, number>();
let busy = 0;
for (const file of args) {
  const profile: Profile = JSON.parse(readFileSync(file, 'utf8'));
  // http.ts writes the process's CPU over each profiled span beside the profile.
  const span = file.replace(/\.cpuprofile$/, '.cpu.json');
  if (existsSync(span)) spanCpuMs += spanSchema.parse(JSON.parse(readFileSync(span, 'utf8'))).cpuMs;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const delta = profile.timeDeltas[i] ?? 0;
    if (!node || SKIP.has(node.callFrame.functionName)) return;
    let part: string | undefined;
    let profiler = false;
    const stack: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame) continue;
      if (PROFILER(frame)) profiler = true;
      part ??= PARTS.find((p) => p.test(frame))?.name;
      if (!part)
        stack.push(`${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/node_modules\//, '')}`);
    }
    if (profiler) {
      excluded += delta;
      return;
    }
    busy += delta;
    const name = part ?? NONE;
    parts.set(name, (parts.get(name) ?? 0) + delta);
    if (SOCKET_WRITES.has(node.callFrame.functionName)) writes.set(name, (writes.get(name) ?? 0) + delta);
    if (!part) {
      const key = `${stack[0]} <- ${stack.slice(-3).join(' <- ')}`;
      unattributed.set(key, (unattributed.get(key) ?? 0) + delta);
    }
  });
}
console.log(
  `busy ${(busy / 1e6).toFixed(2)} s over ${args.length} profile(s) (profiler's own ${(excluded / 1e6).toFixed(2)} s left out); self time by part, and of it socket writes (syscalls)`,
);
if (spanCpuMs > 0)
  console.log(
    `the process's CPU over the same spans (all threads, from process.cpuUsage): ${(spanCpuMs / 1000).toFixed(2)} s`,
  );
for (const [name, v] of [...parts].sort((a, b) => b[1] - a[1])) {
  const share = v / busy;
  const us = usTotal === undefined ? '' : `  ${(share * usTotal).toFixed(0).padStart(6)} us`;
  const w = writes.get(name) ?? 0;
  const io = w > 0 ? `  (socket writes ${((100 * w) / busy).toFixed(1)}%)` : '';
  console.log(`${(100 * share).toFixed(1).padStart(5)}%${us}  ${name}${io}`);
}
if (showUnattributed > 0) {
  console.log(`\nsamples without an owning frame, by leaf <- outermost frames`);
  for (const [k, v] of [...unattributed].sort((a, b) => b[1] - a[1]).slice(0, showUnattributed))
    console.log(`${((100 * v) / busy).toFixed(1).padStart(5)}%  ${k}`);
}
