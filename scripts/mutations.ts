/**
 * The mutations of `scripts/mutation-check.ts`: one per fix that makes Spine survive a named fault kind
 * of the property test (test/integration/consumer/exactly-once*.test.ts). Each is a textual edit that
 * turns exactly that fix off; every pattern must match, or the mutation is n/a in that checkout (a fix
 * on a branch not merged yet). Fault kinds without a fix of their own are listed in docs/consumer-runtime.md
 * ("Mutation check") with the reason, not invented here.
 */

export interface Edit {
  readonly find: RegExp;
  readonly replace: string;
}

/** Which test is expected to fail, with which environment. */
export interface Probe {
  /** Test file. @default the property test */
  readonly file?: string;
  /** `-t` pattern. @default the script's `--test` (the factor-1 run) */
  readonly pattern?: string;
  /** Extra environment, e.g. `SPINE_EO_RATES` to raise the rate of the kind under test. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface Mutation {
  readonly name: string;
  /** The fault kind (exactly-once/property.ts KINDS, or the model's resharding / mapping budget). */
  readonly kind: string;
  /** What the mutation turns off, for the table. */
  readonly fix: string;
  readonly file: string;
  readonly edits: readonly Edit[];
  readonly probe?: Probe;
  /**
   * Why a miss is expected (the fix guards progress, not effects, or the property test cannot reach
   * the case); the table prints it, so a miss is read as evidence rather than as a failure.
   */
  readonly expectMiss?: string;
}

export const PROPERTY_TEST = 'test/integration/consumer/exactly-once.test.ts';
/** The property test's second file: factor 4 with bisect on, and the mapping's finite budget. */
export const PROPERTY_TEST_FACTOR_4 = 'test/integration/consumer/exactly-once-factor4.test.ts';
/** Files whose failures are read as the property test's printed violations. */
export const PROPERTY_TESTS: readonly string[] = [PROPERTY_TEST, PROPERTY_TEST_FACTOR_4];

/** The property test's default rates (exactly-once/property.ts RATES), to raise one kind per probe. */
const DEFAULT_RATES = {
  kinesis: { lostResponse: 0.03, partialPutRecords: 0.05, partialLost: 0.3, throttle: 0.01 },
  dynamodb: { lostResponse: 0.02, throttle: 0.005 },
  invocation: { timeout: 0.03, death: 0.02, duplicate: 0.03 },
};
type Rates = typeof DEFAULT_RATES;
const rates = (change: (r: Rates) => Rates): string => JSON.stringify(change(structuredClone(DEFAULT_RATES)));

/** Partial PutRecords on a third of the writer's calls (about 2 of 37 at the default 5%). */
export const PARTIAL_HEAVY: Probe = {
  env: { SPINE_EO_RATES: rates((r) => ({ ...r, kinesis: { ...r.kinesis, partialPutRecords: 0.3 } })) },
};
/**
 * Kinesis throttles at 60% and lost answers at 20%: marked copies need a look-back, and the SDK's
 * three attempts of a look-back GetRecords all throttled (about 1 in 5) surface to the copy finder.
 */
export const LOOK_BACK_THROTTLED: Probe = {
  env: {
    SPINE_EO_RATES: rates((r) => ({ ...r, kinesis: { ...r.kinesis, lostResponse: 0.2, throttle: 0.6 } })),
  },
};
/**
 * DynamoDB throttles at 20% (about 1 call in 125 throttled through the SDK's three attempts) and one
 * attempt per event: a throttle misread as the handler's failure parks the event at once. The seed is
 * fixed so the baseline and the mutant meet the same schedule (a careful death would park too).
 */
export const DYNAMO_THROTTLED: Probe = {
  env: {
    SPINE_EO_MAX_ATTEMPTS: '1',
    SPINE_EO_SEED: '424242',
    SPINE_EO_RATES: rates((r) => ({ ...r, dynamodb: { ...r.dynamodb, throttle: 0.2 } })),
  },
};
export const PARENT_LEFTOVER: Probe = {
  file: 'test/integration/consumer/copies-in-log.test.ts',
  pattern: 'outbox entry pending on the parent',
};
/** Two recoveries of the same leftovers side by side (a retry beside the timed-out invocation it replaces). */
export const LEASE_RACE: Probe = {
  file: 'test/unit/consumer-outbox-recovery-lease.test.ts',
  pattern: 'publishes each leftover once',
};
export const PARENT_COPY: Probe = {
  file: 'test/integration/consumer/copy-finder-contract.test.ts',
  pattern: 'parent shard',
};
/**
 * Deaths only, at 30% of invocations (no timeouts, no duplicates, so the test's every-kind check fails
 * by design and only violations count): isolates death from the concurrency that also breaks a split commit.
 */
export const DEATHS_ONLY: Probe = {
  env: {
    SPINE_EO_RATES: rates((r) => ({ ...r, invocation: { timeout: 0, death: 0.3, duplicate: 0 } })),
  },
};
const GIVE_UPS = 'test/integration/consumer/give-ups.test.ts';
export const GIVE_UPS_TIMEOUTS: Probe = { file: GIVE_UPS, pattern: 'handler timeouts' };
export const GIVE_UPS_DEATH: Probe = { file: GIVE_UPS, pattern: 'process death' };

/** `markResent(bytes, since)` -> `bytes`. */
const UNMARK: Edit = { find: /markResent\(\s*([^,()]+(?:\([^()]*\))?),[^)]*\)/g, replace: '$1' };

/** One transaction for the state writes, then the rest (outbox, park, checkpoint moves). */
const COMMIT_SPLIT: readonly Edit[] = [
  {
    find: /(\n\s*)try \{\n(\s*)await client\.send\(new TransactWriteCommand\(\{ TransactItems: items, ClientRequestToken: token \}\)\);/g,
    replace:
      '$1const stateOnly = items.splice(0, commit.writes.length);$1if (stateOnly.length > 0) await client.send(new TransactWriteCommand({ TransactItems: stateOnly }));$&',
  },
  { find: /reasons\.slice\(firstMove\)/g, replace: 'reasons.slice(firstMove - commit.writes.length)' },
];

/** Outbox recovery publishes every leftover without looking in the log first. */
const RECOVERY_SEARCH_OFF: readonly Edit[] = [
  {
    find: /const already = await deps\.publisher\.findPublished\(leftovers, since, deadline\);/g,
    replace: 'const already = new Set<string>();',
  },
];

/** A child shard's invocation looks at no ancestor's outbox. */
const CHILD_SKIPS_PARENTS: readonly Edit[] = [
  { find: /if \(deps\.shards && stream !== undefined\)/g, replace: 'if (deps.shards && stream === "")' },
];

/** The look-back reads the marked record's own shard only. */
const COPY_FINDER_NO_PARENTS: readonly Edit[] = [
  {
    find: /for \(const parent of await ancestorsOf\(shards, query\.stream, query\.shardId\)\)/g,
    replace: 'for (const parent of (await ancestorsOf(shards, query.stream, query.shardId)).slice(0, 0))',
  },
];

export const MUTATIONS: readonly Mutation[] = [
  // kinesis.lostResponse (PutRecords stored, answer lost; also the lost half of partialPutRecords)
  {
    name: 'writer-resends-unmarked',
    kind: 'kinesis.lostResponse',
    fix: 'the writer marks a record it sends again after an unseen outcome (spineresent)',
    file: 'shared/ingress/writer.ts',
    edits: [UNMARK],
  },
  {
    name: 'sdk-retries-putrecords',
    kind: 'kinesis.lostResponse',
    fix: "PutRecords gets one SDK attempt; the writer re-sends, marked (the SDK's retry is unmarked)",
    file: 'shared/ingress/put-call.ts',
    edits: [{ find: /if \(attempts > 1\) throw new SdkRetryRefused\(\);/g, replace: '' }],
  },
  {
    name: 'copies-not-deduped',
    kind: 'kinesis.lostResponse',
    fix: 'the consumer skips a marked record whose (source, id) is earlier in the shard (classifyCopies)',
    file: 'shared/consumer/copies.ts',
    edits: [
      {
        find: /if \(!marked\.includes\(true\) && remembered\.every\(isEmptyMemory\)\) return verdicts;/g,
        replace: 'return verdicts;',
      },
    ],
  },
  // kinesis.partialPutRecords
  {
    name: 'writer-resends-accepted',
    kind: 'kinesis.partialPutRecords',
    fix: 'after a partial PutRecords answer the writer re-sends only the records it names as rejected',
    file: 'shared/ingress/writer.ts',
    edits: [
      {
        find: /if \(entry\?\.SequenceNumber && entry\.ShardId && !entry\.ErrorCode\) \{/g,
        replace:
          'if (entry?.SequenceNumber && entry.ShardId && !entry.ErrorCode && !out.FailedRecordCount) {',
      },
    ],
    probe: PARTIAL_HEAVY,
  },
  // kinesis.throttle
  {
    name: 'copy-finder-guesses-unique',
    kind: 'kinesis.throttle',
    fix: 'a look-back Kinesis refused (throttle, error) is undecided and retried, never read as unique',
    file: 'shared/consumer/kinesis-copy-finder.ts',
    edits: [
      {
        find: /return \{ kind: 'undecided', reason: `Kinesis failed: \$\{describe\(error\)\}` \};/g,
        replace: "return { kind: 'unique' };",
      },
    ],
    probe: LOOK_BACK_THROTTLED,
  },
  // dynamodb.lostResponse
  {
    name: 'commit-token-off',
    kind: 'dynamodb.lostResponse',
    fix: "the commit's ClientRequestToken and commitToken read-back (a retried commit that applied is ours)",
    file: 'shared/consumer/dynamo-store.ts',
    edits: [
      { find: /, ClientRequestToken: token \}/g, replace: ' }' },
      {
        find: /if \(first && \(await checkpointOf\(position, first\.sk\)\)\.commitToken === token\) return;/g,
        replace: '',
      },
    ],
    expectMiss:
      'progress, not effects: a commit misread as a lost race is retried and the retry skips what applied',
  },
  {
    name: 'mark-readback-off',
    kind: 'dynamodb.lostResponse',
    fix: "the attempt mark's read-back of its own token after a failed condition (markStarted)",
    file: 'shared/consumer/dynamo-store.ts',
    edits: [
      {
        find: /if \(\(await checkpointOf\(position, sk\)\)\.started\?\.token === mark\.token\) return;/g,
        replace: '',
      },
    ],
    expectMiss: 'progress, not effects: the lost mark write reads as a conflict, the batch is retried',
  },
  {
    name: 'claim-token-off',
    kind: 'dynamodb.lostResponse',
    fix: 'an outbox claim retried after a lost answer recognises its own claim token',
    file: 'shared/consumer/dynamo-store.ts',
    edits: [{ find: / OR claimToken = :token\)/g, replace: ')' }],
    expectMiss:
      'progress, not effects: the claim reads as held elsewhere until its lease (2 s here) runs out',
  },
  // dynamodb.throttle (and Kinesis throttles the runtime sees)
  {
    name: 'throttle-counts-as-attempt',
    kind: 'dynamodb.throttle',
    fix: 'throttles are infrastructure failures (failures.ts): retried, never an attempt, never parked',
    file: 'shared/consumer/failures.ts',
    edits: [
      {
        find: /(const RULES: [^\n]*= \[\n)/g,
        replace:
          "$1  { why: 'mutant', kind: (e) => (/Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded/.test(String(field(e, 'name'))) ? 'deterministic' : undefined) },\n",
      },
    ],
    probe: DYNAMO_THROTTLED,
  },
  // invocation.duplicate and invocation.timeout (a timed-out invocation runs on beside its retry)
  {
    name: 'checkpoint-unconditional',
    kind: 'invocation.duplicate, invocation.timeout',
    fix: 'the checkpoint move in the commit is conditional on the sequence number the batch read',
    file: 'shared/consumer/dynamo-store.ts',
    edits: [
      {
        find: /ConditionExpression: cond\.ConditionExpression,\n\s*ExpressionAttributeValues: \{\n\s*\.\.\.cond\.ExpressionAttributeValues,\n(\s*)':next'/g,
        replace: "ExpressionAttributeValues: {\n$1':next'",
      },
    ],
  },
  // invocation.death
  {
    name: 'commit-not-atomic',
    kind: 'invocation.death',
    fix: 'state writes, outbox items and the checkpoint move are one TransactWriteItems',
    file: 'shared/consumer/dynamo-store.ts',
    edits: COMMIT_SPLIT,
  },
  {
    name: 'commit-not-atomic/deaths-only',
    kind: 'invocation.death',
    fix: 'state writes, outbox items and the checkpoint move are one TransactWriteItems',
    file: 'shared/consumer/dynamo-store.ts',
    edits: COMMIT_SPLIT,
    probe: DEATHS_ONLY,
  },
  {
    name: 'attempt-mark-ignored',
    kind: 'invocation.death',
    fix: 'a mark left at the first unapplied record means a death: careful mode, careful deaths counted',
    file: 'shared/consumer/attempts.ts',
    edits: [{ find: /const died = previous\?\.seq === seq;/g, replace: 'const died = false;' }],
    expectMiss:
      'no event in the model kills every invocation: the count only parks a killer event (give-ups.test.ts)',
  },
  {
    name: 'recovery-search-off',
    kind: 'invocation.death',
    fix: 'outbox recovery looks for a leftover in the log before publishing it (died after publish)',
    file: 'shared/consumer/recovery.ts',
    edits: RECOVERY_SEARCH_OFF,
    expectMiss:
      "the property test's containers die before the first commit, so recovery is rarely reached (see recovery-blind)",
  },
  {
    name: 'recovery-blind',
    kind: 'invocation.death',
    fix: 'both lines of outbox recovery: the log search and the mark on what it publishes',
    file: 'shared/consumer/recovery.ts',
    edits: [
      ...RECOVERY_SEARCH_OFF,
      { find: /publish\(missing, \{ resent: true \}\)/g, replace: 'publish(missing, { resent: false })' },
    ],
    probe: DEATHS_ONLY,
  },
  {
    name: 'outbox-never-recovered',
    kind: 'invocation.commitDeath.unclosedShard',
    fix: "an invocation publishes its own shard's outbox leftovers (a death between commit and publish)",
    file: 'shared/consumer/recovery.ts',
    edits: [
      {
        find: /const leftovers = \(await deps\.store\.loadOutbox\(position\)\)\.filter\(mine\);/g,
        replace: 'const leftovers = (await deps.store.loadOutbox(position)).filter(() => false);',
      },
    ],
  },
  {
    name: 'publisher-resends-unmarked',
    kind: 'invocation.death',
    fix: 'outbox recovery publishes the leftovers it did not find marked (its search is bounded)',
    file: 'shared/consumer/kinesis-publisher.ts',
    edits: [UNMARK],
    expectMiss:
      "the property test's containers die before the first commit, so recovery is rarely reached (see recovery-blind)",
  },
  {
    name: 'outbox-lease-zero',
    kind: 'invocation.timeout, invocation.duplicate',
    fix: "outbox claims and other batches' leftovers wait for the lease (at least the function timeout)",
    file: 'shared/consumer/recovery.ts',
    edits: [{ find: /deps\.outboxLeaseMs \?\? OUTBOX_LEASE_MS/g, replace: '0' }],
    // The property test misses it (measured at factor 4): both recoveries then publish, and consumers
    // skip the marked second copy, so effects stay right. The unit race counts the publishes.
    probe: LEASE_RACE,
  },
  // resharding (split and merge mid-run)
  {
    name: 'child-skips-parent-outbox',
    kind: 'resharding',
    fix: "a child shard's invocation recovers the outbox leftovers of its closed ancestors",
    file: 'shared/consumer/recovery.ts',
    // Caught since each reshard plays a race at the closed parent's last batch (exactly-once/race.ts):
    // the entries it leaves pending have no retry on the parent, only a child's recovery.
    edits: CHILD_SKIPS_PARENTS,
  },
  {
    name: 'copy-finder-skips-parents',
    kind: 'resharding',
    fix: "the look-back for a marked record also reads its shard's ancestors",
    file: 'shared/consumer/kinesis-copy-finder.ts',
    edits: COPY_FINDER_NO_PARENTS,
  },
  // Lambda timeouts the property test does not reach: its invocations get no context (no deadline),
  // and no event kills every invocation; give-ups.test.ts holds those cases.
  {
    name: 'handler-not-raced',
    kind: 'invocation.timeout (deadline)',
    fix: 'each handler is raced against the time left; an overrunning one is abandoned and is an attempt',
    file: 'shared/consumer/run-handler.ts',
    edits: [
      {
        find: /Promise\.race\(\[work\.then\(\(\) => 'done' as const\), overran\]\)/g,
        replace: "Promise.race([work.then(() => 'done' as const), overran].slice(0, 1))",
      },
    ],
    probe: GIVE_UPS_TIMEOUTS,
  },
  {
    name: 'death-not-counted',
    kind: 'invocation.death (killer event)',
    fix: 'a death in careful mode is an attempt of the event the mark names; parked after maxAttempts',
    file: 'shared/consumer/attempts.ts',
    edits: [
      {
        find: /if \(died && previous\.careful\) \{/g,
        replace: 'if (died && previous.careful && seq === "") {',
      },
    ],
    probe: GIVE_UPS_DEATH,
  },
  {
    name: 'child-skips-parent-outbox/copies-in-log',
    kind: 'resharding',
    fix: "a child shard's invocation recovers the outbox leftovers of its closed ancestors",
    file: 'shared/consumer/recovery.ts',
    edits: CHILD_SKIPS_PARENTS,
    probe: PARENT_LEFTOVER,
  },
  {
    name: 'copy-finder-skips-parents/contract',
    kind: 'resharding',
    fix: "the look-back for a marked record also reads its shard's ancestors",
    file: 'shared/consumer/kinesis-copy-finder.ts',
    edits: COPY_FINDER_NO_PARENTS,
    probe: PARENT_COPY,
  },
  // the mapping's own give-ups
  {
    name: 'mapping-retries-finite',
    kind: 'mapping budget',
    fix: 'the event source mapping retries forever (MaximumRetryAttempts -1); the runtime owns give-ups',
    file: 'shared/catalog/mapping.ts',
    edits: [{ find: /maximumRetryAttempts: -1,/g, replace: 'maximumRetryAttempts: 1,' }],
  },
  // Deadline-based death detection and the overtaking window (merged from `careful`; not run yet).
  {
    name: 'overtaken-not-skipped',
    kind: 'kinesis.lateLanding',
    fix: 'an unmarked original behind its applied marked re-send is skipped (`overtaken` in copies.ts)',
    file: 'shared/consumer/copies.ts',
    edits: [
      {
        find: /if \(markedSeen\.has\(identity\) \|\| remembered\?\.ids\[key\] !== undefined\)\n\s*return \{ kind: 'verdict', verdict: \{ kind: 'overtaken', key \} \};/g,
        replace: '',
      },
    ],
    probe: { file: 'test/integration/consumer/exactly-once-overtaking.test.ts', pattern: 'overtaking' },
  },
  {
    name: 'live-mark-read-as-death',
    kind: 'invocation.duplicate',
    fix: "a mark whose invocation's deadline has not passed answers busy instead of going careful",
    file: 'shared/consumer/attempts.ts',
    edits: [
      {
        find: /return now <= mark\.deadline \+ MARK_CLOCK_SKEW_MS \? 'live' : 'dead';/g,
        replace: "return 'dead';",
      },
    ],
    // The property test cannot see this one: a live mark read as a death costs speed (careful mode), not effects.
    probe: { file: 'test/unit/consumer-attempts.test.ts', pattern: 'mark' },
  },
];
