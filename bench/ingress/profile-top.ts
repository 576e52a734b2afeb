import { readFileSync } from 'node:fs';
import type { Frame, Profile, ProfileNode } from '../lib/cpu-profile';

/**
 * `npx tsx bench/ingress/profile-top.ts <file.cpuprofile> [top] [--by file]`: the functions (or
 * source files and packages) a `node --cpu-prof` profile spent its time in, self and inclusive, as a share of the
 * profile's busy time (idle and the profiler's own "(program)" left out). Inclusive time counts a
 * function once per sample however deep it recurses. Multiply a share by the measured µs/event of the
 * same run to get µs/event.
 */

const [file, topArg, ...rest] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-top.ts <file.cpuprofile> [top] [--by file | --by area [--us N]]');
const top = Number(topArg ?? 30);
const byPackage = rest[0] === '--by' && rest[1] === 'file';
const byArea = rest[0] === '--by' && rest[1] === 'area';
const usAt = rest.indexOf('--us');
const usPerEvent = usAt >= 0 ? Number(rest[usAt + 1]) : undefined;
const profile: Profile = JSON.parse(readFileSync(file, 'utf8'));

// A bundle built with esbuild (unminified) names each module's first line in a `// path` comment.
const bundleFiles = new Map<string, (line: number) => string>();
const sourceOf = (url: string, line: number): string | undefined => {
  if (!url.endsWith('.mjs') || !url.startsWith('file://')) return undefined;
  let lookup = bundleFiles.get(url);
  if (!lookup) {
    const starts = readFileSync(new URL(url), 'utf8')
      .split('\n')
      .flatMap((text, i) => (/^\/\/ [\w./-]+\.ts$/.test(text) ? [{ line: i, file: text.slice(3) }] : []));
    lookup = (at) => starts.findLast((s) => s.line <= at)?.file ?? url;
    bundleFiles.set(url, lookup);
  }
  return lookup(line);
};

const packageOf = (url: string, line: number): string => {
  const source = sourceOf(url, line);
  if (source) return source;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? url);
  }
  const work = /\/wt\/[^/]+\/(.*)$/.exec(url)?.[1] ?? /\/main\/(.*)$/.exec(url)?.[1];
  if (work) return work.split('/').slice(0, 2).join('/');
  return url.startsWith('node:') ? url : url || '(native)';
};
/**
 * Where a sample's own time went, by kind of work. Areas marked `outside` are not part of the measured
 * window of bench 2a (module loading, building the requests, the harness), so `--by area` leaves them
 * out of the shares; the wire fake stays in (it stands in for the socket writes a real call makes).
 */
const AREAS: readonly { name: string; outside?: true; test: (fn: string, where: string) => boolean }[] = [
  { name: 'garbage collection', test: (fn) => fn === '(garbage collector)' },
  {
    name: 'startup: loading modules',
    outside: true,
    test: (fn, w) =>
      /^node:internal\/(modules|deps\/cjs-module-lexer|bootstrap|fs|url|process)|^tsx|^node:path/.test(w) ||
      ['wrapSafe', 'compileSourceTextModule', 'compileForInternalLoader'].includes(fn),
  },
  {
    name: 'harness: building requests, measuring',
    outside: true,
    test: (_, w) => /^(bench\/(lib|report)\/|test\/fixtures\/|bench\/ingress\/(cpu|only)\.ts)/.test(w),
  },
  { name: 'wire fake (in place of the socket)', test: (_, w) => w.endsWith('bench/ingress/wire.ts') },
  {
    name: 'AWS SDK per call (middleware, serde, endpoint, retry)',
    test: (_, w) => /^@(smithy|aws-sdk)\//.test(w),
  },
  { name: 'SHA-256/HMAC (SigV4, idempotency keys)', test: (_, w) => /^node:(internal\/)?crypto/.test(w) },
  {
    name: 'schema validation (generated/Ajv)',
    test: (fn, w) => /^(ajv|fast-uri|shared\/schemas\/)/.test(w) || /^validate\d*$/.test(fn),
  },
  {
    name: 'request parsing (JSON.parse, duplicate members, headers)',
    test: (_, w) => /shared\/ingress\/(modes|duplicate-members|http|binary-headers)\.ts$/.test(w),
  },
  {
    name: 'envelope encoding (JSON.stringify, UTF-8)',
    test: (fn, w) =>
      /shared\/envelope\/codec\.ts$|^node:internal\/encoding/.test(w) || fn === 'encodeUtf8String',
  },
  {
    name: 'idempotency key and payload hash',
    test: (_, w) => /shared\/ingress\/(hash|idempotency-key)\.ts$/.test(w),
  },
  {
    name: 'idempotency claims (store, statements)',
    test: (_, w) => /shared\/ingress\/(idempotency|claims|claim-item|acknowledged)[\w-]*\.ts$/.test(w),
  },
  {
    name: 'PutRecords timeout (AbortSignal, timers)',
    test: (_, w) =>
      /^node:(internal\/)?(abort_controller|timers|event_target|per_context\/primordials)/.test(w),
  },
  {
    name: 'other ingress code (validation rules, envelope, publish, writer)',
    test: (_, w) => /shared\//.test(w),
  },
];
const areaOf = (f: Frame): string => {
  const where = packageOf(f.url, f.lineNumber);
  const area = AREAS.find((a) => a.test(f.functionName, where));
  return area ? area.name : 'other (native, Node internals)';
};
const OUTSIDE = new Set(AREAS.filter((a) => a.outside).map((a) => a.name));

const keyOf = (f: Frame): string =>
  byArea
    ? areaOf(f)
    : byPackage
      ? packageOf(f.url, f.lineNumber)
      : `${f.functionName || '(anonymous)'} ${sourceOf(f.url, f.lineNumber) ?? f.url.replace(/^.*\/(node_modules|wt\/[^/]+)\//, '')}:${f.lineNumber + 1}`;

const parent = new Map<number, number>();
const byId = new Map<number, ProfileNode>();
for (const n of profile.nodes) {
  byId.set(n.id, n);
  for (const c of n.children ?? []) parent.set(c, n.id);
}
const SKIP = new Set(['(idle)', '(program)', '(root)']);
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let busy = 0;
profile.samples.forEach((id, i) => {
  const node = byId.get(id);
  const delta = profile.timeDeltas[i] ?? 0;
  if (!node || SKIP.has(node.callFrame.functionName)) return;
  busy += delta;
  self.set(keyOf(node.callFrame), (self.get(keyOf(node.callFrame)) ?? 0) + delta);
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at)?.callFrame;
    if (!frame || SKIP.has(frame.functionName)) continue;
    const key = keyOf(frame);
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + delta);
  }
});
const pct = (n: number) => `${((100 * n) / busy).toFixed(1).padStart(5)}%`;
const list = (title: string, m: Map<string, number>) => {
  console.log(`\n${title} (busy ${(busy / 1e6).toFixed(2)} s)`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${k}`);
};
if (byArea) {
  let inside = 0;
  for (const [k, v] of self) if (!OUTSIDE.has(k)) inside += v;
  console.log(
    `self time by area, as a share of the measured work (${(inside / 1e6).toFixed(2)} s of ${(busy / 1e6).toFixed(2)} s busy)`,
  );
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1])) {
    if (OUTSIDE.has(k)) continue;
    const share = v / inside;
    const us = usPerEvent === undefined ? '' : `  ${(share * usPerEvent).toFixed(1).padStart(7)} us/event`;
    console.log(`${(100 * share).toFixed(1).padStart(5)}%${us}  ${k}`);
  }
} else {
  list('self', self);
  list('inclusive', inclusive);
}
