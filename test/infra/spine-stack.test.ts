import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { opsOutputNames } from '../../infra/constructs/ops-output-names';
import { outputNames } from '../../infra/output-names';
import type { SpineStack } from '../../infra/spine-stack';
import type { Catalog } from '../../shared/catalog';
import { RUNTIME_TABLES, type RuntimeTable } from '../../shared/config';
import { contrastCatalog } from '../fixtures/infra/catalogs';
import { actionsOf, logicalId, roleStatements, synth } from './synth';

describe('SpineStack', () => {
  let catalog: Catalog;
  let stack: SpineStack;
  let template: Template;
  beforeAll(() => {
    catalog = contrastCatalog();
    ({ stack, template } = synth(catalog));
  });

  const functions = () => Object.entries(template.findResources('AWS::Lambda::Function'));

  it('runs every function on Node.js 22, ARM64, with X-Ray and no source maps parsed at init', () => {
    // one consumer per subscription, plus the ingress
    const consumers = catalog.services.reduce((n, s) => n + s.subscriptions.length, 0);
    expect(functions()).toHaveLength(consumers + 1);
    for (const [, fn] of functions()) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Handler: 'index.handler',
        Environment: { Variables: { SPINE_STAGE: 'Test' } },
      });
      expect(fn.Properties.Environment?.Variables?.NODE_OPTIONS).toBeUndefined();
    }
  });

  it('gives every function a log group of its own, kept for a year', () => {
    const groups = template.findResources('AWS::Logs::LogGroup');
    const used = functions().map(([, fn]) => fn.Properties.LoggingConfig?.LogGroup?.Ref as string);
    expect(new Set(used).size).toBe(used.length);
    for (const id of used) expect(groups[id]?.Properties.RetentionInDays).toBe(365);
    for (const group of Object.values(groups)) expect(group.Properties.RetentionInDays).toBe(365);
  });

  it('grants functions no wildcard action or resource except X-Ray, which has no resource ARNs', () => {
    const roles = [
      stack.ingress.handler,
      ...[...stack.services.values()].flatMap((s) => [...s.consumers.values()]),
    ];
    for (const fn of roles) {
      for (const statement of roleStatements(template, logicalId(stack, fn.role))) {
        const actions = actionsOf(statement);
        expect(actions.filter((a) => a.includes('*'))).toEqual([]);
        if (JSON.stringify(statement.Resource).includes('"*"'))
          expect(actions.every((a) => a.startsWith('xray:'))).toBe(true);
      }
    }
  });

  it('outputs the ingress URL, every stream, every table, every producer role and the alarm topic, without exports', () => {
    const outputs = template.findOutputs('*');
    const expected = [
      outputNames.ingressUrl,
      ...catalog.topics.map((t) => outputNames.stream(t.name)),
      ...(Object.keys(RUNTIME_TABLES) as RuntimeTable[]).map(outputNames.runtimeTable),
      ...catalog.services.flatMap((s) => s.tables.map((t) => outputNames.stateTable(s.name, t.name))),
      ...catalog.producers.map((p) => outputNames.producerRole(p.name)),
      // What the `spine` CLI reads (infra/constructs/ops.ts).
      ...catalog.services.flatMap((s) =>
        s.subscriptions.flatMap((sub) => [
          opsOutputNames.consumer(s.name, sub.topic),
          opsOutputNames.mapping(s.name, sub.topic),
        ]),
      ),
      opsOutputNames.operatorRole,
      opsOutputNames.dashboard,
      outputNames.alarmTopic,
    ];
    expect(Object.keys(outputs).sort()).toEqual(expected.sort());
    for (const output of Object.values(outputs)) expect(output.Export).toBeUndefined();
    expect(outputs.StreamAuditLog?.Value).toEqual({
      Ref: logicalId(stack, stack.topics.stream('audit-log')),
    });
    expect(outputs.StateTableBillingInvoices?.Value).toEqual({
      Ref: logicalId(stack, stack.services.get('billing')?.tables.get('invoices') ?? stack),
    });
    expect(outputs.TableIdempotency?.Value).toEqual({
      Ref: logicalId(stack, stack.runtimeTables.tables.idempotency),
    });
    expect(JSON.stringify(outputs.IngressUrl?.Value)).toContain(logicalId(stack, stack.ingress.api));
  });

  it('alarms on each consumer’s lag', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    const lag = alarms.filter((a) => a.MetricName === 'IteratorAge');
    const consumers = catalog.services.reduce((n, s) => n + s.subscriptions.length, 0);
    expect(lag).toHaveLength(consumers);
  });
});
