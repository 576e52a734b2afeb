import { accessOf, actionsOn } from './actions';
import { type Grant, grantsOf, hasWildcard, opaqueManagedPolicies, trustedServices } from './grants';
import { asArray, isRecord, mentionedIds, render, resourcesOf, type TemplateJson } from './template';

/**
 * The named exception to "no `Resource: *`": X-Ray's trace upload has no resource-level permissions,
 * so `Tracing.ACTIVE` must grant it on `*`. It reaches no stream, table or key.
 */
export const NO_RESOURCE_LEVEL_ACTIONS: readonly string[] = [
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  // A DynamoDB-stream event source mapping's role lists streams; the action takes no resource ARN (AWS's
  // AWSLambdaDynamoDBExecutionRole grants it on `*` too). It reads no stream, table or key.
  'dynamodb:ListStreams',
];

/** Reading back one's own writes after a crash (outbox and idempotency recovery). */
export const READ_BACK: ReadonlySet<string> = new Set([
  'kinesis:ListShards',
  'kinesis:GetShardIterator',
  'kinesis:GetRecords',
]);

/** What one principal may do to streams and tables; anything else the template grants it is a finding. */
export interface AllowedAccess {
  /** Streams it may read: `'any'` read action (a subscription), or only the listed ones. */
  readonly streamReads: ReadonlyMap<string, 'any' | ReadonlySet<string>>;
  /** Streams it may put records to (and must be able to). */
  readonly streamWrites: ReadonlySet<string>;
  /** Tables it may read (and must be able to). Written tables may be read too. */
  readonly tableReads: ReadonlySet<string>;
  /** Tables it may write items to (and must be able to). */
  readonly tableWrites: ReadonlySet<string>;
}

const streams = (t: TemplateJson) => resourcesOf(t, 'AWS::Kinesis::Stream').map(([id]) => id);
const tables = (t: TemplateJson) => resourcesOf(t, 'AWS::DynamoDB::Table').map(([id]) => id);
const grantsFor = (t: TemplateJson, principal: string): Grant[] =>
  grantsOf(t).filter((g) => g.principal === principal);

/**
 * Everything `principal` may do to a stream or table beyond `allowed`, and what `allowed` requires that it
 * cannot do. Wildcards in actions or resources count as the concrete actions and resources they reach.
 */
export const accessFindings = (t: TemplateJson, principal: string, allowed: AllowedAccess): string[] => {
  const grants = grantsFor(t, principal);
  const findings: string[] = [];
  for (const stream of streams(t)) {
    const actions = actionsOn(t, grants, stream, 'kinesis');
    const reads = allowed.streamReads.get(stream);
    for (const action of actions) {
      const access = accessOf(action);
      const ok =
        access === 'read'
          ? reads === 'any' || reads?.has(action) === true
          : access === 'write' && allowed.streamWrites.has(stream);
      if (!ok) findings.push(`${principal} may ${action} on stream ${stream}`);
    }
    if (allowed.streamWrites.has(stream) && !actions.has('kinesis:PutRecords'))
      findings.push(`${principal} cannot PutRecords on stream ${stream}, which it writes`);
    if (reads === 'any' && !actions.has('kinesis:GetRecords'))
      findings.push(`${principal} cannot GetRecords on stream ${stream}, which it subscribes to`);
  }
  for (const table of tables(t)) {
    const actions = actionsOn(t, grants, table, 'dynamodb');
    const readable = allowed.tableReads.has(table) || allowed.tableWrites.has(table);
    for (const action of actions) {
      const access = accessOf(action);
      const ok = access === 'read' ? readable : access === 'write' && allowed.tableWrites.has(table);
      if (!ok) findings.push(`${principal} may ${action} on table ${table}`);
    }
    if (allowed.tableWrites.has(table) && !actions.has('dynamodb:PutItem'))
      findings.push(`${principal} cannot PutItem on table ${table}, which it owns`);
    if (readable && !actions.has('dynamodb:GetItem'))
      findings.push(`${principal} cannot GetItem on table ${table}, which it reads`);
  }
  return findings;
};

/** Principals (over every grant in the template) that may write data into resource `id`. */
export const writersOf = (t: TemplateJson, id: string, service: 'kinesis' | 'dynamodb'): Set<string> => {
  const byPrincipal = new Map<string, Grant[]>();
  for (const g of grantsOf(t)) byPrincipal.set(g.principal, [...(byPrincipal.get(g.principal) ?? []), g]);
  return new Set(
    [...byPrincipal]
      .filter(([, grants]) => [...actionsOn(t, grants, id, service)].some((a) => accessOf(a) === 'write'))
      .map(([principal]) => principal),
  );
};

const compareWriters = (what: string, actual: Set<string>, owners: ReadonlySet<string>): string[] => [
  ...[...actual].filter((p) => !owners.has(p)).map((p) => `${p} may write ${what} but does not own it`),
  ...[...owners].filter((p) => !actual.has(p)).map((p) => `${p} owns ${what} but cannot write it`),
];

/**
 * Single writer per topic, checked over every role, user and group in the template: the principals that
 * may put to each stream are exactly its owners. A stream resource policy is reported too: it could
 * let principals outside the template write.
 */
export const streamWriterFindings = (
  t: TemplateJson,
  owners: ReadonlyMap<string, ReadonlySet<string>>,
): string[] => [
  ...streams(t).flatMap((s) =>
    compareWriters(`stream ${s}`, writersOf(t, s, 'kinesis'), owners.get(s) ?? new Set()),
  ),
  ...resourcesOf(t, 'AWS::Kinesis::ResourcePolicy').map(
    ([id, r]) => `${id} is a resource policy on ${render(r.Properties?.ResourceArn)}`,
  ),
  ...resourcesOf(t, 'AWS::DynamoDB::Table')
    .filter(([, r]) => r.Properties?.ResourcePolicy !== undefined)
    .map(([id]) => `table ${id} has a resource policy`),
];

/**
 * State tables are written only by their service's functions: over every role that Lambda assumes, the
 * writers of each table in `owners` are exactly its owners. (Operators' roles are not Lambda roles.)
 */
export const tableWriterFindings = (
  t: TemplateJson,
  owners: ReadonlyMap<string, ReadonlySet<string>>,
): string[] =>
  [...owners].flatMap(([table, own]) => {
    const fnWriters = [...writersOf(t, table, 'dynamodb')].filter((p) =>
      trustedServices(t, p).includes('lambda.amazonaws.com'),
    );
    return compareWriters(`table ${table}`, new Set(fnWriters), own);
  });

const ROOT = /^arn:\$\{AWS::Partition\}:iam::\$\{AWS::AccountId\}:root$/;

/**
 * A service principal on a key is acceptable only acting for this account (`aws:SourceAccount`), as the
 * alarm topic's key lets CloudWatch encrypt notifications; without it, any account's resources of that
 * service could use the key (confused deputy).
 */
const ownAccountOnly = (s: Record<string, unknown>): boolean => {
  const equals = isRecord(s.Condition) ? s.Condition.StringEquals : undefined;
  if (isRecord(equals) && render(equals['aws:SourceAccount']) === `\${AWS::AccountId}`) return true;
  // CloudWatch Logs uses a key for log groups of this account only, named in the encryption context
  // (the condition AWS documents for encrypting log data with KMS).
  const like = isRecord(s.Condition) ? s.Condition.ArnLike : undefined;
  const logGroups = isRecord(like) ? render(like['kms:EncryptionContext:aws:logs:arn']) : '';
  return logGroups.includes(`:\${AWS::AccountId}:log-group:`);
};

/**
 * No wildcard action (`*`, `svc:*`, `svc:Prefix*`), no NotAction/NotResource, no wildcard resource beyond
 * `NO_RESOURCE_LEVEL_ACTIONS` (a wildcard scoped under one of our resources, `${Api}/$default/GET/topics/*`,
 * is not one), no unreadable managed policy; on keys, no principal but this account's root (AWS's
 * default key policy: `kms:*` for the root, which hands the decision to IAM policies, checked here) and
 * AWS services acting for this account only.
 */
export const wildcardFindings = (t: TemplateJson): string[] => {
  const findings: string[] = [];
  for (const g of grantsOf(t)) {
    const where = `${g.principal} (${g.policy})`;
    if (g.notAction) findings.push(`${where} uses NotAction`);
    if (g.notResource) findings.push(`${where} uses NotResource`);
    for (const a of g.actions.filter(hasWildcard)) findings.push(`${where} has wildcard action ${a}`);
    const open = g.resources.filter((r) => hasWildcard(r) && mentionedIds(t, r).length === 0);
    const exempt = !g.notAction && g.actions.every((a) => NO_RESOURCE_LEVEL_ACTIONS.includes(a));
    if (open.length > 0 && !exempt)
      findings.push(`${where} allows ${g.actions.join(', ')} on wildcard resource ${open.join(', ')}`);
  }
  for (const m of opaqueManagedPolicies(t)) findings.push(`managed policy the template cannot show: ${m}`);
  for (const [id, key] of resourcesOf(t, 'AWS::KMS::Key')) {
    const statements = isRecord(key.Properties?.KeyPolicy) ? asArray(key.Properties.KeyPolicy.Statement) : [];
    for (const s of statements.filter(isRecord).filter((s) => s.Effect === 'Allow')) {
      const principals = isRecord(s.Principal)
        ? Object.entries(s.Principal).flatMap(([kind, v]) => asArray(v).map((p) => `${kind}:${render(p)}`))
        : [`${render(s.Principal)}`];
      for (const p of principals.filter(
        (p) =>
          !(p.startsWith('AWS:') && ROOT.test(p.slice(4))) &&
          !(p.startsWith('Service:') && ownAccountOnly(s)),
      ))
        findings.push(`key ${id} policy allows ${p}`);
    }
  }
  return findings;
};
