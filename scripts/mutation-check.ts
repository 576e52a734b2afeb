/**
 * Mutation check (on demand, not in CI): `npx tsx scripts/mutation-check.ts [--events N] [--only NAME]
 * [--skip-baseline] [--test PATTERN]`.
 *
 * For each named mutation, copies the repo to a temp dir (node_modules linked, not copied), applies one
 * textual change that turns a fix off, runs the exactly-once property test there and expects it to
 * FAIL. Prints mutation -> caught / missed / n/a (the text to mutate is not in this checkout, e.g. the fix
 * lives on a branch not merged yet). A baseline run without mutation comes first: if the baseline
 * already fails, "caught" proves nothing and the table says so.
 *
 * Cost: one property-test run per mutation (about 1-3 minutes each on a quiet machine at the default
 * 1,500 events); run it after merging fixes, not on every change.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

interface Mutation {
  readonly name: string;
  /** What the mutation turns off, for the table. */
  readonly fix: string;
  readonly file: string;
  /** Every pattern must match at least once, or the mutation is n/a here. */
  readonly edits: readonly { readonly find: RegExp; readonly replace: string }[];
}

/** Seed list; add one per fix as fixes land (the lead extends it after merging). */
export const MUTATIONS: readonly Mutation[] = [
  {
    name: 'checkpoint-unconditional',
    fix: 'the checkpoint move is conditional on the sequence number it expects',
    file: 'shared/consumer/dynamo-store.ts',
    edits: [
      { find: /\{ ConditionExpression: 'attribute_not_exists\(seq\)' \}/g, replace: '{}' },
      {
        find: /\{ ConditionExpression: 'seq = :expected', ExpressionAttributeValues: \{ ':expected': expected \} \}/g,
        replace: '{}',
      },
    ],
  },
  {
    name: 'writer-resends-unmarked',
    fix: 'the ingress writer marks a record it sends again after an unseen outcome (spineresent)',
    file: 'shared/ingress/writer.ts',
    edits: [{ find: /markResent\(\s*([^,()]+(?:\([^()]*\))?),[^)]*\)/g, replace: '$1' }],
  },
  {
    name: 'publisher-resends-unmarked',
    fix: 'the outbox publisher marks emitted events it publishes again',
    file: 'shared/consumer/kinesis-publisher.ts',
    edits: [{ find: /markResent\(\s*([^,()]+(?:\([^()]*\))?),[^)]*\)/g, replace: '$1' }],
  },
];

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1500' },
    only: { type: 'string' },
    'skip-baseline': { type: 'boolean', default: false },
    test: { type: 'string', default: 'parallelization 1' },
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

/** Applies a mutation; false when one of its patterns does not match this checkout. */
const apply = (dir: string, mutation: Mutation): boolean => {
  const file = join(dir, mutation.file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  for (const edit of mutation.edits) {
    if (!edit.find.test(text)) return false;
    edit.find.lastIndex = 0;
    text = text.replace(edit.find, edit.replace);
  }
  writeFileSync(file, text);
  return true;
};

/** Runs the property test in `dir`; true when it passed. */
const propertyPasses = (dir: string): { passed: boolean; seconds: number } => {
  const started = Date.now();
  const run = spawnSync(
    'npx',
    ['vitest', 'run', 'test/integration/consumer/exactly-once.test.ts', '-t', values.test ?? ''],
    {
      cwd: dir,
      env: { ...process.env, SPINE_EO_EVENTS: values.events },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  for (const line of `${run.stdout}`.split('\n'))
    if (line.includes('[exactly-once]')) console.log(`    ${line.trim()}`);
  return { passed: run.status === 0, seconds: Math.round((Date.now() - started) / 1000) };
};

const rows: { mutation: string; result: string; seconds: number; fix: string }[] = [];
let baselinePassed: boolean | undefined;
if (!values['skip-baseline']) {
  console.log('baseline (no mutation)...');
  const dir = copyRepo();
  try {
    const { passed, seconds } = propertyPasses(dir);
    baselinePassed = passed;
    rows.push({ mutation: '(baseline)', result: passed ? 'passes' : 'FAILS', seconds, fix: '-' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
for (const mutation of MUTATIONS.filter((m) => !values.only || m.name === values.only)) {
  console.log(`${mutation.name}...`);
  const dir = copyRepo();
  try {
    if (!apply(dir, mutation)) {
      rows.push({ mutation: mutation.name, result: 'n/a', seconds: 0, fix: mutation.fix });
      continue;
    }
    const { passed, seconds } = propertyPasses(dir);
    rows.push({ mutation: mutation.name, result: passed ? 'MISSED' : 'caught', seconds, fix: mutation.fix });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.table(rows);
if (baselinePassed === false)
  console.log('The baseline fails: "caught" above proves nothing until the runtime fixes are merged.');
process.exitCode = rows.some((r) => r.result === 'MISSED') ? 1 : 0;
