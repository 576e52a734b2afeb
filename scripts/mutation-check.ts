/**
 * Mutation check (on demand, not in CI): `npx tsx scripts/mutation-check.ts [--events N] [--only A,B]
 * [--skip-baseline] [--test PATTERN] [--dry]`.
 *
 * For each mutation of `scripts/mutations.ts` (one per fix that makes Spine survive a named fault
 * kind), copies the repo to a temp dir (node_modules linked, not copied), applies one textual change
 * that turns the fix off, runs the exactly-once property test there (with the mutation's own rates or
 * budget when it has any) and expects it to FAIL with a violation: effects lost or doubled, wrong
 * totals, order broken, emits lost or doubled, events parked, outbox left over, batches discarded, or
 * a run that never settles. A failure without a violation (a fault kind that did not fire, a crash)
 * proves nothing and is reported as such. `n/a`: the text to mutate is not in this checkout (the fix is
 * on a branch not merged yet). A baseline without mutation runs first for every distinct probe
 * (test, rates, budget): if it fails, "caught" under it proves nothing and the table says so.
 * `--dry` only reports which mutations apply here.
 *
 * Output: one line per run as it ends, then the table (console and Markdown, for the "Mutation check"
 * section of docs/consumer-runtime.md) with the commit and date it was measured on.
 *
 * Cost: one property-test run per mutation and per distinct probe's baseline (about 1-3 minutes each
 * at 1,500 events on a quiet machine); run it after merging fixes, not on every change.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MUTATIONS, type Mutation, PROPERTY_TEST, PROPERTY_TESTS, type Probe } from './mutations';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1500' },
    only: { type: 'string' },
    'skip-baseline': { type: 'boolean', default: false },
    test: { type: 'string', default: 'parallelization 1' },
    dry: { type: 'boolean', default: false },
  },
});

const root = resolve(import.meta.dirname, '..');
const SKIP = new Set(['node_modules', '.git', 'test-results', 'cdk.out', '.spine']);

const copyRepo = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'spine-mutant-'));
  cpSync(root, dir, {
    recursive: true,
    filter: (src) => !SKIP.has(src.slice(root.length + 1).split('/')[0] ?? ''),
  });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return dir;
};

/** The mutated text, or undefined when a pattern does not match this checkout (n/a). */
const mutated = (dir: string, mutation: Mutation): string | undefined => {
  let text: string;
  try {
    text = readFileSync(join(dir, mutation.file), 'utf8');
  } catch {
    return undefined;
  }
  for (const edit of mutation.edits) {
    edit.find.lastIndex = 0;
    if (!edit.find.test(text)) return undefined;
    edit.find.lastIndex = 0;
    text = text.replace(edit.find, edit.replace);
  }
  return text;
};

/** The violation counts a failed property run printed, e.g. `doubled=12 emitsDoubled=3`. */
const violationsIn = (output: string): string[] => {
  const found: string[] = [];
  for (const m of output.matchAll(/ended=(\w+) .*? parked=(\d+) outbox=(\d+) discards=(\d+)/g)) {
    if (m[1] !== 'reached') found.push(`ended=${m[1]}`);
    for (const [name, value] of [
      ['parked', m[2]],
      ['outbox', m[3]],
      ['discards', m[4]],
    ] as const)
      if (Number(value) > 0) found.push(`${name}=${value}`);
  }
  for (const m of output.matchAll(/keys ((?:\w+=\d+ ?)+)/g))
    for (const pair of (m[1] ?? '').trim().split(' ')) if (!pair.endsWith('=0')) found.push(pair);
  return found;
};

/** Names of the tests vitest reports as failed, or its first error line. */
const failuresIn = (output: string): string => {
  const names = [...output.matchAll(/^\s*(?:×|✗)\s+(.+?)(?:\s+\d+ms)?$/gm)].map((m) => (m[1] ?? '').trim());
  if (names.length > 0) return [...new Set(names)].slice(0, 2).join('; ').slice(0, 160);
  return (output.match(/^\s*(\w*Error: .*)$/m)?.[1] ?? 'failed').slice(0, 160);
};

/** How often the mutation's fault kinds fired in the last run (`faults {...}` line), as evidence for a miss. */
const firedIn = (output: string, kind: string): string => {
  const json = [...output.matchAll(/^\s*faults (\{.*\})\s*$/gm)].at(-1)?.[1];
  if (!json) return '';
  const faults = JSON.parse(json) as Record<string, number>;
  const kinds = kind.split(', ').map((k) => k.split(' ')[0] ?? k);
  const counts = kinds
    .filter((k) => k.includes('.'))
    .map((k) => {
      const n = Object.entries(faults)
        .filter(([name]) => name.startsWith(k))
        .reduce((sum, [, v]) => sum + v, 0);
      return `${k} ${n}`;
    });
  return counts.length > 0 ? ` (fired: ${counts.join(', ')})` : '';
};

interface Outcome {
  readonly passed: boolean;
  /** The run's whole output, plain text. */
  readonly output: string;
  readonly seconds: number;
  /** Violations printed (property test), or the failing tests (other tests). */
  readonly how: string;
  readonly violated: boolean;
}

/** ANSI colour codes, in case the environment forces colours through the pipe. */
const COLOURS = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const plain = (s: string) => s.replace(COLOURS, '');

const runProbe = (dir: string, probe: Probe | undefined): Outcome => {
  const file = probe?.file ?? PROPERTY_TEST;
  const started = Date.now();
  const run = spawnSync('npx', ['vitest', 'run', file, '-t', probe?.pattern ?? values.test ?? ''], {
    cwd: dir,
    env: { ...process.env, SPINE_EO_EVENTS: values.events, ...probe?.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = plain(`${run.stdout}\n${run.stderr}`);
  for (const line of output.split('\n'))
    if (/\[exactly-once\] eo|^\s+(keys lost=|faults )/.test(line)) console.log(`    ${line.trim()}`);
  const seconds = Math.round((Date.now() - started) / 1000);
  const passed = run.status === 0;
  if (passed) return { passed, output, seconds, how: '-', violated: false };
  if (!PROPERTY_TESTS.includes(file))
    return { passed, output, seconds, how: failuresIn(output), violated: true };
  const violations = violationsIn(output);
  return violations.length > 0
    ? { passed, output, seconds, how: violations.join(' '), violated: true }
    : { passed, output, seconds, how: `no violation: ${failuresIn(output)}`, violated: false };
};

const probeKey = (probe: Probe | undefined) =>
  JSON.stringify([probe?.file ?? PROPERTY_TEST, probe?.pattern ?? values.test, probe?.env ?? {}]);
const probeLabel = (probe: Probe | undefined) =>
  [
    probe?.file && probe.file !== PROPERTY_TEST ? probe.file.split('/').at(-1) : undefined,
    probe?.pattern,
    ...Object.keys(probe?.env ?? {}),
  ]
    .filter(Boolean)
    .join(' ') || 'default';

interface Row {
  mutation: string;
  kind: string;
  result: string;
  how: string;
  seconds: number;
  probe: string;
  fix: string;
}

const only = values.only?.split(',').map((s) => s.trim());
const selected = MUTATIONS.filter((m) => !only || only.includes(m.name));
const git = (...args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout.trim();
const commit = `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain') ? ' (+ local changes)' : ''}`;

if (values.dry) {
  for (const m of MUTATIONS) console.log(`${mutated(root, m) ? 'applies' : 'n/a    '}  ${m.name}`);
  process.exit(0);
}

const rows: Row[] = [];
/** Per probe: `passes`, `no violation` (failed otherwise, e.g. a kind with rate 0 did not fire) or `FAILS`. */
const baselines = new Map<string, string>();
if (!values['skip-baseline'])
  for (const probe of new Map(selected.map((m) => [probeKey(m.probe), m.probe])).values()) {
    console.log(`baseline (no mutation, probe ${probeLabel(probe)})...`);
    const dir = copyRepo();
    try {
      const { passed, seconds, how, violated } = runProbe(dir, probe);
      const result = passed ? 'passes' : violated ? 'FAILS' : 'no violation';
      baselines.set(probeKey(probe), result);
      rows.push({
        mutation: '(baseline)',
        kind: '-',
        result,
        how,
        seconds,
        probe: probeLabel(probe),
        fix: '-',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

for (const mutation of selected) {
  console.log(`${mutation.name}...`);
  const dir = copyRepo();
  const row = {
    mutation: mutation.name,
    kind: mutation.kind,
    probe: probeLabel(mutation.probe),
    fix: mutation.fix,
  };
  try {
    const text = mutated(dir, mutation);
    if (text === undefined) {
      rows.push({ ...row, result: 'n/a', how: 'the text to mutate is not in this checkout', seconds: 0 });
      continue;
    }
    writeFileSync(join(dir, mutation.file), text);
    const { passed, output, seconds, how, violated } = runProbe(dir, mutation.probe);
    const baseline = baselines.get(probeKey(mutation.probe));
    // Without a violation the mutant did what the baseline did: a miss, unless the baseline passed.
    const missed = !violated && (passed || baseline === 'no violation');
    const result = violated
      ? baseline === 'FAILS'
        ? 'caught?'
        : 'caught'
      : missed
        ? mutation.expectMiss
          ? 'missed (expected)'
          : 'MISSED'
        : 'INCONCLUSIVE';
    const why = missed ? `${mutation.expectMiss ?? 'passed'}${firedIn(output, mutation.kind)}` : how;
    rows.push({ ...row, result, how: why, seconds });
    console.log(`  -> ${result} (${seconds} s): ${why}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.table(rows.map(({ fix: _fix, ...r }) => r));
const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
console.log(`\nMeasured on ${commit}, ${date} UTC, ${values.events} events per run:\n`);
console.log('| Mutation | Fault kind | Fix turned off | Probe | Result | How it failed | Wall s |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.mutation} | ${r.kind} | ${r.fix} | ${r.probe} | ${r.result} | ${r.how} | ${r.seconds} |`,
  );
if ([...baselines.values()].includes('FAILS'))
  console.log('\nA baseline fails: "caught?" under it proves nothing until that probe passes unmutated.');
process.exitCode = rows.some((r) => r.result === 'MISSED' || r.result === 'INCONCLUSIVE') ? 1 : 0;
