import type { Template } from 'aws-cdk-lib/assertions';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SpineStack } from '../../infra/spine-stack';
import { type Catalog, subscriptions } from '../../shared/catalog';
import {
  CONSUMER_TIMEOUT_SECONDS,
  RUNTIME_TABLE_ENV,
  stateTableEnvVar,
  streamEnvVar,
} from '../../shared/config';
import { contrastCatalog, projectCatalog } from '../fixtures/infra/catalogs';
import { actionsOf, logicalId, roleStatements, synth } from './synth';

const consumer = (stack: SpineStack, service: string, topic: string) => {
  const fn = stack.services.get(service)?.consumers.get(topic);
  if (!fn) throw new Error(`no consumer for ${service} on ${topic}`);
  return fn;
};

describe.each([
  ['the project catalog', projectCatalog],
  ['a contrasting catalog', contrastCatalog],
])('Service consumers from %s', (_name, makeCatalog: () => Catalog) => {
  let catalog: Catalog;
  let stack: SpineStack;
  let template: Template;
  beforeAll(() => {
    catalog = makeCatalog();
    ({ stack, template } = synth(catalog));
  });

  it('creates one event source mapping per (service, subscription), no more', () => {
    // Prepare / Act: synthesised in beforeAll
    // Assess
    // One more per CDC source: its table stream's mapping (test/infra/cdc.test.ts).
    template.resourceCountIs(
      'AWS::Lambda::EventSourceMapping',
      subscriptions(catalog).length + (catalog.cdcSources ?? []).length,
    );
  });

  it('gives every consumer the timeout local mode gives its invocations (CONSUMER_TIMEOUT_SECONDS)', () => {
    for (const { service, subscription: sub } of subscriptions(catalog)) {
      const fn = consumer(stack, service.name, sub.topic);
      const resource = template.findResources('AWS::Lambda::Function')[logicalId(stack, fn.function)];
      expect({ consumer: `${service.name}<-${sub.topic}`, timeout: resource?.Properties.Timeout }).toEqual({
        consumer: `${service.name}<-${sub.topic}`,
        timeout: CONSUMER_TIMEOUT_SECONDS,
      });
    }
  });

  it('carries every subscription setting of the catalog onto its mapping, which never gives up', () => {
    for (const { service, subscription: sub } of subscriptions(catalog)) {
      const fn = consumer(stack, service.name, sub.topic);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(stack, fn.function) },
        EventSourceArn: { 'Fn::GetAtt': [logicalId(stack, stack.topics.stream(sub.topic)), 'Arn'] },
        BatchSize: sub.batchSize,
        MaximumBatchingWindowInSeconds: sub.batchingWindowSeconds,
        ParallelizationFactor: sub.parallelizationFactor,
        StartingPosition: sub.startingPosition,
        MaximumRetryAttempts: -1,
        MaximumRecordAgeInSeconds: -1,
        // Safe with no retry limit: a split drops nothing. Record age is the runtime's (it parks).
        BisectBatchOnFunctionError: sub.retry.bisectOnError,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: Match.absent(),
      });
    }
  });

  it('leaves no on-failure queue behind and alarms on each consumer’s lag instead', () => {
    // Each consumer's lag, and each CDC source's stream lag.
    const consumers = subscriptions(catalog).length + (catalog.cdcSources ?? []).length;
    template.resourceCountIs('AWS::SQS::Queue', 0);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    expect(alarms.filter((a) => a.MetricName === 'IteratorAge')).toHaveLength(consumers);
    expect(alarms.filter((a) => a.Namespace === 'AWS/SQS')).toEqual([]);
  });

  it('lets a consumer write only the streams of the event types its service writes', () => {
    for (const { service, subscription: sub } of subscriptions(catalog)) {
      const fn = consumer(stack, service.name, sub.topic);
      const statements = roleStatements(template, logicalId(stack, fn.role));
      const writable = statements
        .filter((s) => actionsOf(s).includes('kinesis:PutRecords'))
        .map((s) => JSON.stringify(s.Resource))
        .sort();
      const expected = [
        ...new Set(catalog.eventTypes.filter((e) => e.writer === service.name).map((e) => e.topic)),
      ]
        .map((t) => JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, stack.topics.stream(t)), 'Arn'] }))
        .sort();
      expect(writable).toEqual(expected);
    }
  });

  it('sets exactly the env vars a consumer needs: own tables, checkpoints, parking, outbox, written and subscribed streams', () => {
    for (const { service, subscription: sub } of subscriptions(catalog)) {
      const fn = consumer(stack, service.name, sub.topic);
      const resource = template.findResources('AWS::Lambda::Function')[logicalId(stack, fn.function)];
      const env: Record<string, unknown> = resource?.Properties.Environment.Variables ?? {};
      const own = stack.services.get(service.name)?.tables ?? new Map();
      for (const [table, t] of own)
        expect(env[stateTableEnvVar(service.name, table)]).toEqual({ Ref: logicalId(stack, t) });
      expect(env[RUNTIME_TABLE_ENV.checkpoints]).toEqual({
        Ref: logicalId(stack, stack.runtimeTables.tables.checkpoints),
      });
      expect(env[RUNTIME_TABLE_ENV.parking]).toEqual({
        Ref: logicalId(stack, stack.runtimeTables.tables.parking),
      });
      expect(env[RUNTIME_TABLE_ENV.outbox]).toEqual({
        Ref: logicalId(stack, stack.runtimeTables.tables.outbox),
      });
      expect(env[RUNTIME_TABLE_ENV.idempotency]).toBeUndefined();
      const streamVars = Object.keys(env)
        .filter((k) => k.startsWith('SPINE_STREAM_'))
        .sort();
      const written = catalog.eventTypes
        .filter((e) => e.writer === service.name)
        .map((e) => streamEnvVar(e.topic));
      const subscribed = service.subscriptions.map((s) => streamEnvVar(s.topic));
      expect(streamVars).toEqual([...new Set([...written, ...subscribed])].sort());
    }
  });

  it('grants no other service a write on a service’s state tables', () => {
    for (const [owner, svc] of stack.services) {
      const ownTables = [...svc.tables.values()].map((t) =>
        JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, t), 'Arn'] }),
      );
      for (const [other, otherSvc] of stack.services) {
        if (other === owner) continue;
        for (const fn of otherSvc.consumers.values()) {
          const touched = roleStatements(template, logicalId(stack, fn.role)).map((s) =>
            JSON.stringify(s.Resource),
          );
          for (const table of ownTables) expect(touched).not.toContain(table);
        }
      }
    }
  });
});
