import {
  AccountRootPrincipal,
  AnyPrincipal,
  Effect,
  ManagedPolicy,
  Policy,
  PolicyStatement,
  Role,
  ServicePrincipal,
  User,
} from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SpineStack } from '../../infra/spine-stack';
import { securityCatalog } from '../fixtures/infra/security-catalog';
import { buildForChecks, leastPrivilegeFindings } from './security/checks';
import { logicalId } from './synth';

// Each case widens one grant on a freshly synthesized stack and asserts the checks name it: the
// least-privilege checks can fail, and fail for the right reason.
describe('Least-privilege checks on a widened grant', () => {
  const catalog = securityCatalog();
  const consumer = (stack: SpineStack, service: string, topic: string): Role => {
    const fn = stack.services.get(service)?.consumers.get(topic);
    if (!fn) throw new Error(`no consumer ${service}/${topic}`);
    return fn.role;
  };
  const stream = (stack: SpineStack, topic: string) => stack.topics.stream(topic);
  const allow = (stack: SpineStack, role: Role, actions: string[], resources: string[]) =>
    new Policy(stack, 'Widened', {
      roles: [role],
      statements: [new PolicyStatement({ actions, resources })],
    });
  const ids = (stack: SpineStack) => ({
    role: (service: string, topic: string) => logicalId(stack, consumer(stack, service, topic)),
    stream: (topic: string) => logicalId(stack, stream(stack, topic)),
    table: (service: string, table: string) =>
      logicalId(stack, stack.services.get(service)?.tables.get(table) ?? stack),
  });

  // The first synth of a process is the slow one (module loading): done in a hook, with its longer timeout.
  let clean: ReturnType<typeof buildForChecks>;
  beforeAll(() => {
    clean = buildForChecks(catalog);
  });

  it('reports nothing before a grant is widened', () => {
    expect(leastPrivilegeFindings(clean.t, clean.model)).toEqual([]);
  });

  it.each<[string, (s: SpineStack) => void, (s: SpineStack) => string]>([
    [
      'a consumer reads a topic it does not subscribe to',
      (s) => allow(s, consumer(s, 'cart', 'carts'), ['kinesis:GetRecords'], [stream(s, 'ledger').streamArn]),
      (s) => `${ids(s).role('cart', 'carts')} may kinesis:GetRecords on stream ${ids(s).stream('ledger')}`,
    ],
    [
      'a consumer reads more than the read-back of a topic it only writes',
      (s) =>
        allow(
          s,
          consumer(s, 'cart', 'carts'),
          ['kinesis:SubscribeToShard'],
          [stream(s, 'checkout').streamArn],
        ),
      (s) =>
        `${ids(s).role('cart', 'carts')} may kinesis:SubscribeToShard on stream ${ids(s).stream('checkout')}`,
    ],
    [
      'a consumer puts to a topic its service does not write',
      (s) => allow(s, consumer(s, 'cart', 'carts'), ['kinesis:PutRecord'], [stream(s, 'alerts').streamArn]),
      (s) =>
        `${ids(s).role('cart', 'carts')} may write stream ${ids(s).stream('alerts')} but does not own it`,
    ],
    [
      'a role outside Spine puts to a topic',
      (s) => {
        const outsider = new Role(s, 'Outsider', { assumedBy: new AccountRootPrincipal() });
        allow(s, outsider, ['kinesis:PutRecords'], [stream(s, 'checkout').streamArn]);
      },
      () => 'Outsider',
    ],
    [
      'a user outside Spine is granted write with CDK’s grantWrite',
      (s) => stream(s, 'audit').grantWrite(new User(s, 'Intruder')),
      (s) => `${logicalId(s, s.node.findChild('Intruder'))} may write stream ${ids(s).stream('audit')}`,
    ],
    [
      'the ingress puts to a topic only services write',
      (s) => allow(s, s.ingress.handler.role, ['kinesis:PutRecords'], [stream(s, 'checkout').streamArn]),
      (s) => `${logicalId(s, s.ingress.handler.role)} may write stream ${ids(s).stream('checkout')}`,
    ],
    [
      'a consumer writes another service’s state table',
      (s) =>
        allow(
          s,
          consumer(s, 'accounting', 'checkout'),
          ['dynamodb:PutItem'],
          [s.services.get('cart')?.tables.get('carts')?.tableArn ?? ''],
        ),
      (s) => `${ids(s).role('accounting', 'checkout')} may write table ${ids(s).table('cart', 'carts')}`,
    ],
    [
      'a consumer writes the ingress’s idempotency table',
      (s) =>
        allow(
          s,
          consumer(s, 'watcher', 'alerts'),
          ['dynamodb:UpdateItem'],
          [s.runtimeTables.tables.idempotency.tableArn],
        ),
      (s) => `may dynamodb:UpdateItem on table ${logicalId(s, s.runtimeTables.tables.idempotency)}`,
    ],
    [
      'a consumer may move any service’s checkpoint (no LeadingKeys condition)',
      (s) =>
        allow(
          s,
          consumer(s, 'cart', 'carts'),
          ['dynamodb:UpdateItem'],
          [s.runtimeTables.tables.checkpoints.tableArn],
        ),
      (s) =>
        `${ids(s).role('cart', 'carts')} may dynamodb:UpdateItem on table ${logicalId(s, s.runtimeTables.tables.checkpoints)} for any partition key`,
    ],
    [
      'a consumer’s LeadingKeys widened to another service’s parked events',
      (s) =>
        consumer(s, 'cart', 'carts').addToPrincipalPolicy(
          new PolicyStatement({
            actions: ['dynamodb:DeleteItem'],
            resources: [s.runtimeTables.tables.parking.tableArn],
            conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['accounting'] } },
          }),
        ),
      (s) =>
        `${ids(s).role('cart', 'carts')} may reach partition keys accounting of table ${logicalId(s, s.runtimeTables.tables.parking)}`,
    ],
    [
      'a consumer may move the checkpoints of its service’s other topics (reads of them only are allowed)',
      (s) =>
        consumer(s, 'accounting', 'checkout').addToPrincipalPolicy(
          new PolicyStatement({
            actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
            resources: [s.runtimeTables.tables.checkpoints.tableArn],
            conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['accounting#*'] } },
          }),
        ),
      (s) =>
        `${ids(s).role('accounting', 'checkout')} may reach partition keys accounting#* of table ${logicalId(s, s.runtimeTables.tables.checkpoints)}`,
    ],
    [
      'a consumer’s outbox grant under ForAnyValue, which one matching key satisfies',
      (s) =>
        consumer(s, 'cart', 'carts').addToPrincipalPolicy(
          new PolicyStatement({
            actions: ['dynamodb:PutItem'],
            resources: [s.runtimeTables.tables.outbox.tableArn],
            conditions: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': ['cart#carts#*'] } },
          }),
        ),
      (s) =>
        `${ids(s).role('cart', 'carts')} may dynamodb:PutItem on table ${logicalId(s, s.runtimeTables.tables.outbox)} for any partition key`,
    ],
    [
      'a consumer may delete its own table',
      (s) =>
        allow(
          s,
          consumer(s, 'archiver', 'audit'),
          ['dynamodb:DeleteTable'],
          [s.services.get('archiver')?.tables.get('archive')?.tableArn ?? ''],
        ),
      (s) => `may dynamodb:DeleteTable on table ${ids(s).table('archiver', 'archive')}`,
    ],
    [
      'a service-wide action wildcard',
      (s) => allow(s, consumer(s, 'cart', 'carts'), ['kinesis:*'], [stream(s, 'carts').streamArn]),
      () => 'has wildcard action kinesis:*',
    ],
    [
      'a prefix action wildcard',
      (s) =>
        allow(
          s,
          consumer(s, 'cart', 'carts'),
          ['dynamodb:Put*'],
          [s.services.get('cart')?.tables.get('carts')?.tableArn ?? ''],
        ),
      () => 'has wildcard action dynamodb:Put*',
    ],
    [
      'Resource * on a table read',
      (s) => allow(s, consumer(s, 'cart', 'carts'), ['dynamodb:GetItem'], ['*']),
      () => 'allows dynamodb:GetItem on wildcard resource *',
    ],
    [
      'an ARN pattern over every stream',
      (s) => allow(s, consumer(s, 'cart', 'carts'), ['kinesis:GetRecords'], ['arn:aws:kinesis:*:*:stream/*']),
      (s) => `${ids(s).role('cart', 'carts')} may kinesis:GetRecords on stream ${ids(s).stream('audit')}`,
    ],
    [
      'an X-Ray action beyond the named exception',
      (s) => allow(s, consumer(s, 'cart', 'carts'), ['xray:GetTraceSummaries'], ['*']),
      () => 'allows xray:GetTraceSummaries on wildcard resource *',
    ],
    [
      'a NotAction statement',
      (s) =>
        consumer(s, 'cart', 'carts').addToPrincipalPolicy(
          new PolicyStatement({
            effect: Effect.ALLOW,
            notActions: ['iam:*'],
            resources: [stream(s, 'ledger').streamArn],
          }),
        ),
      () => 'uses NotAction',
    ],
    [
      'an AWS managed policy',
      (s) =>
        consumer(s, 'cart', 'carts').addManagedPolicy(
          ManagedPolicy.fromAwsManagedPolicyName('AmazonKinesisReadOnlyAccess'),
        ),
      () => 'managed policy the template cannot show',
    ],
    [
      'a template managed policy attached to a consumer',
      (s) =>
        consumer(s, 'watcher', 'audit').addManagedPolicy(
          new ManagedPolicy(s, 'Extra', {
            statements: [
              new PolicyStatement({
                actions: ['kinesis:PutRecords'],
                resources: [stream(s, 'audit').streamArn],
              }),
            ],
          }),
        ),
      (s) =>
        `${ids(s).role('watcher', 'audit')} may write stream ${ids(s).stream('audit')} but does not own it`,
    ],
    [
      'a key policy open to anyone',
      (s) =>
        s.topics.key.addToResourcePolicy(
          new PolicyStatement({
            principals: [new AnyPrincipal()],
            actions: ['kms:Decrypt'],
            resources: ['*'],
          }),
        ),
      (s) => `key ${logicalId(s, s.topics.key)} policy allows AWS:*`,
    ],
    [
      'a key policy letting an AWS service act for any account',
      (s) =>
        s.alarms.key.addToResourcePolicy(
          new PolicyStatement({
            principals: [new ServicePrincipal('events.amazonaws.com')],
            actions: ['kms:Decrypt'],
            resources: ['*'],
          }),
        ),
      (s) => `key ${logicalId(s, s.alarms.key)} policy allows Service:events.amazonaws.com`,
    ],
    [
      'a stream resource policy',
      (s) =>
        stream(s, 'ledger').addToResourcePolicy(
          new PolicyStatement({
            principals: [new AccountRootPrincipal()],
            actions: ['kinesis:PutRecord'],
            resources: [stream(s, 'ledger').streamArn],
          }),
        ),
      () => 'is a resource policy on',
    ],
  ])('reports %s', (_name, widen, expected) => {
    // Prepare / Act: the catalog's stack with one grant widened
    const { stack, t, model } = buildForChecks(catalog, widen);
    // Assess
    const findings = leastPrivilegeFindings(t, model);
    expect(
      findings.some((f) => f.includes(expected(stack))),
      findings.join('\n'),
    ).toBe(true);
  });
});
