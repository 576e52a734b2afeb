import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { httpEvent } from '../fixtures/apigw';
import { bodyOf, ingressWithMocks } from './ingress-support';

const health = () => httpEvent({ routeKey: 'GET /health' });

// The cache's clock is Date.now: fake timers move it without waiting.
describe('ingress health cache', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2024-05-01T12:00:00.000Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers from the last probe for 5 seconds, then probes again', async () => {
    // Prepare: up at first, DynamoDB goes down right after the first probe
    const { ingress, kinesisMock, dynamoMock } = ingressWithMocks();
    kinesisMock.on(DescribeStreamSummaryCommand).resolves({});
    dynamoMock.on(DescribeTableCommand).resolves({});
    const first = await ingress(health());
    dynamoMock.on(DescribeTableCommand).rejects(new Error('timeout'));
    // Act
    vi.advanceTimersByTime(4_999);
    const cached = await ingress(health());
    vi.advanceTimersByTime(1);
    const fresh = await ingress(health());
    // Assess
    expect([first.statusCode, cached.statusCode, fresh.statusCode]).toEqual([200, 200, 503]);
    expect(bodyOf(fresh)).toEqual({ status: 'degraded', kinesis: 'up', dynamodb: 'down' });
  });

  it('spends one DescribeStreamSummary on a burst of requests', async () => {
    // Prepare
    const { ingress, kinesisMock, dynamoMock } = ingressWithMocks();
    kinesisMock.on(DescribeStreamSummaryCommand).resolves({});
    dynamoMock.on(DescribeTableCommand).resolves({});
    // Act: 50 concurrent requests, as a flood of the open route would send
    const answers = await Promise.all(Array.from({ length: 50 }, () => ingress(health())));
    // Assess: every caller got the answer, the account's control-plane quota paid for one probe
    expect(answers.every((a) => a.statusCode === 200)).toBe(true);
    expect(kinesisMock.commandCalls(DescribeStreamSummaryCommand)).toHaveLength(1);
    expect(dynamoMock.commandCalls(DescribeTableCommand)).toHaveLength(1);
  });
});
