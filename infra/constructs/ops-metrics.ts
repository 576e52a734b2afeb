import { Duration } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { FilterPattern, MetricFilter } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { LOG_MESSAGES } from '../../shared/consumer';
import type { SpineFunction } from './spine-function';

/** Namespace of the metrics Spine derives from its consumers' structured logs. */
export const SPINE_NAMESPACE = 'Spine';

/**
 * Log messages of the consumer runtime that become metrics. The runtime publishes nothing itself: a
 * metric filter on each consumer's log group counts these lines (Powertools JSON logs carry
 * `message`, `service` and `topic`), which costs no code in the hot path and no PutMetricData
 * permission. The runtime exports the messages, so a rename cannot silently break the metric.
 */
export const RUNTIME_LOG_MESSAGES = LOG_MESSAGES;

export type RuntimeMetric = 'ParkedEvents' | 'HandlerFailures';

/** A counter per (service, topic) from the consumer's log group. */
export const runtimeMetricFilter = (
  scope: Construct,
  id: string,
  fn: SpineFunction,
  metric: RuntimeMetric,
): MetricFilter =>
  new MetricFilter(scope, id, {
    logGroup: fn.logGroup,
    filterPattern: FilterPattern.stringValue(
      '$.message',
      '=',
      metric === 'ParkedEvents' ? RUNTIME_LOG_MESSAGES.parked : RUNTIME_LOG_MESSAGES.handlerFailed,
    ),
    metricNamespace: SPINE_NAMESPACE,
    metricName: metric,
    metricValue: '1',
    dimensions: { Service: '$.service', Topic: '$.topic' },
  });

/** Sum of a runtime counter for one subscription over `period`. */
export const runtimeMetric = (
  metric: RuntimeMetric,
  service: string,
  topic: string,
  period = Duration.minutes(5),
) =>
  new Metric({
    namespace: SPINE_NAMESPACE,
    metricName: metric,
    dimensionsMap: { Service: service, Topic: topic },
    statistic: 'Sum',
    period,
  });
