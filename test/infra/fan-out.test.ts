import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SpineStack } from '../../infra/spine-stack';
import { type Catalog, CatalogError, type CatalogSpec, defineCatalog } from '../../shared/catalog';
import { contrastSpec } from '../fixtures/infra/catalogs';
import { buildStack, logicalId } from './synth';

/** The contrasting catalog with auditor's `payments` subscription on enhanced fan-out. */
const fanOutSpec = (): CatalogSpec => ({
  ...contrastSpec,
  services: contrastSpec.services.map((s) =>
    s.name !== 'auditor'
      ? s
      : {
          ...s,
          subscriptions: s.subscriptions.map((sub) =>
            sub.topic === 'payments' ? { ...sub, enhancedFanOut: true } : sub,
          ),
        },
  ),
});

describe('Service with an enhanced fan-out subscription', () => {
  let catalog: Catalog;
  let stack: SpineStack;
  let template: Template;
  beforeAll(() => {
    catalog = defineCatalog(fanOutSpec());
    stack = buildStack(catalog);
    template = Template.fromStack(stack);
  });

  const mappingArnOf = (service: string, topic: string) => {
    const fn = stack.services.get(service)?.consumers.get(topic);
    const id = fn && logicalId(stack, fn.function);
    return Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).find(
      (m) => JSON.stringify(m.Properties.FunctionName) === JSON.stringify({ Ref: id }),
    )?.Properties.EventSourceArn;
  };

  it('registers one stream consumer, on the topic’s stream, for the fan-out subscription only', () => {
    // Act
    const consumers = Object.entries(template.findResources('AWS::Kinesis::StreamConsumer'));
    // Assess
    expect(consumers).toHaveLength(1);
    expect(consumers[0]?.[1].Properties.StreamARN).toEqual({
      'Fn::GetAtt': [logicalId(stack, stack.topics.stream('payments')), 'Arn'],
    });
    expect(consumers[0]?.[1].Properties.ConsumerName).toBe('Test-auditor-payments');
  });

  it('points the fan-out mapping at the consumer and the others at the stream', () => {
    // Act
    const [consumerId] = Object.keys(template.findResources('AWS::Kinesis::StreamConsumer'));
    // Assess
    expect(mappingArnOf('auditor', 'payments')).toEqual({ 'Fn::GetAtt': [consumerId, 'ConsumerARN'] });
    expect(mappingArnOf('billing', 'payments')).toEqual({
      'Fn::GetAtt': [logicalId(stack, stack.topics.stream('payments')), 'Arn'],
    });
  });

  it('lets the fan-out consumer subscribe through its own consumer only', () => {
    // Act
    const role = logicalId(stack, stack.services.get('auditor')?.consumers.get('payments')?.role ?? stack);
    const [consumerId] = Object.keys(template.findResources('AWS::Kinesis::StreamConsumer'));
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: role }]))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[]);
    const subscribe = statements.filter((s) => JSON.stringify(s.Action).includes('kinesis:SubscribeToShard'));
    // Assess: the consumer's own ARN (the stream-level read the mapping also grants stays as it was)
    expect(subscribe.map((s) => s.Resource)).toContainEqual({ 'Fn::GetAtt': [consumerId, 'ConsumerARN'] });
  });

  it('refuses more than 20 fan-out subscriptions on one topic', () => {
    // Prepare: 21 services on payments, each on enhanced fan-out
    const base = contrastSpec.services.find((s) => s.name === 'auditor');
    const sub = base?.subscriptions.find((s) => s.topic === 'payments');
    if (!base || !sub) throw new Error('fixture changed');
    const crowded = defineCatalog({
      ...contrastSpec,
      services: [
        ...contrastSpec.services,
        ...Array.from({ length: 21 }, (_, i) => ({
          ...base,
          name: `reader-${i}`,
          subscriptions: [{ ...sub, enhancedFanOut: true }],
        })),
      ],
    });
    // Act / Assess
    expect(() => buildStack(crowded)).toThrow(CatalogError);
    expect(() => buildStack(crowded)).toThrow(/21 enhanced fan-out subscriptions.*at most 20/);
  });
});
