import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { runtimeMetric, runtimeMetricFilter } from './ops-metrics';
import type { SpineFunction } from './spine-function';

export interface Subscription {
  readonly service: string;
  readonly topic: string;
  readonly consumer: SpineFunction;
}

export interface OpsDashboardProps {
  readonly subscriptions: readonly Subscription[];
  readonly api: HttpApi;
  /** Handler failures (retried events) per 5 minutes that raise an alarm. @default 5 */
  readonly handlerFailureThreshold?: number;
  /** Ingress 4xx answers per 5 minutes that raise an alarm (a producer sending bad events). @default 50 */
  readonly clientErrorThreshold?: number;
}

const alarm = (
  scope: Construct,
  id: string,
  description: string,
  metric: IMetric,
  threshold: number,
): Alarm =>
  new Alarm(scope, id, {
    alarmDescription: description,
    metric,
    threshold,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });

/**
 * One CloudWatch dashboard for the backbone and the alarms behind it. Per subscription: iterator age
 * (the consumer's existing lag alarm), handler crashes (Lambda Errors: throws and timeouts, which
 * retry whole batches), handler failures and parked events (counted from the runtime's logs, see
 * `ops-metrics.ts`). Any parked event alarms: each one needs an operator (`spine parked`). For the
 * ingress: 5xx (any) and 4xx (above a threshold). No alarm action is attached: wire them to a topic.
 */
export class OpsDashboard extends Construct {
  public readonly dashboard: Dashboard;
  /** Every alarm this construct created, by a stable name (`<kind>:<service>:<topic>` or `ingress-<kind>`). */
  public readonly alarms: ReadonlyMap<string, Alarm>;

  constructor(scope: Construct, id: string, props: OpsDashboardProps) {
    super(scope, id);
    const alarms = new Map<string, Alarm>();
    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          '# Spine\nLag, failures and the parking lot per subscription; `spine status` for per-shard detail.',
        width: 24,
        height: 2,
      }),
    );
    for (const { service, topic, consumer } of props.subscriptions) {
      const name = `${service}<-${topic}`;
      const scopeId = `${service}-${topic}`;
      runtimeMetricFilter(this, `Parked-${scopeId}`, consumer, 'ParkedEvents');
      runtimeMetricFilter(this, `Failures-${scopeId}`, consumer, 'HandlerFailures');
      const fn = consumer.function;
      const parked = runtimeMetric('ParkedEvents', service, topic);
      const failures = runtimeMetric('HandlerFailures', service, topic);
      const errors = fn.metricErrors({ period: Duration.minutes(5), statistic: Stats.SUM });
      alarms.set(
        `parked:${service}:${topic}`,
        alarm(
          this,
          `ParkedAlarm-${scopeId}`,
          `${name}: an event was parked; see spine parked list`,
          parked,
          1,
        ),
      );
      alarms.set(
        `failures:${service}:${topic}`,
        alarm(
          this,
          `FailuresAlarm-${scopeId}`,
          `${name}: the handler keeps failing events (retried in order)`,
          failures,
          props.handlerFailureThreshold ?? 5,
        ),
      );
      alarms.set(
        `errors:${service}:${topic}`,
        alarm(
          this,
          `ErrorsAlarm-${scopeId}`,
          `${name}: the consumer function crashed or timed out`,
          errors,
          1,
        ),
      );
      const lagAlarm = consumer.node.tryFindChild('IteratorAgeAlarm');
      this.dashboard.addWidgets(
        new GraphWidget({
          title: `${name} iterator age (ms)`,
          left: [fn.metric('IteratorAge', { statistic: Stats.MAXIMUM, period: Duration.minutes(1) })],
          width: 8,
        }),
        new GraphWidget({ title: `${name} failures`, left: [failures, errors], right: [parked], width: 8 }),
        ...(lagAlarm instanceof Alarm
          ? [new AlarmWidget({ title: `${name} lag alarm`, alarm: lagAlarm, width: 8 })]
          : []),
      );
    }
    const clientErrors = props.api.metricClientError({ period: Duration.minutes(5), statistic: Stats.SUM });
    const serverErrors = props.api.metricServerError({ period: Duration.minutes(5), statistic: Stats.SUM });
    alarms.set(
      'ingress-5xx',
      alarm(
        this,
        'Ingress5xxAlarm',
        'The ingress answered 5xx: events may not have been accepted',
        serverErrors,
        1,
      ),
    );
    alarms.set(
      'ingress-4xx',
      alarm(
        this,
        'Ingress4xxAlarm',
        'Producers keep sending events the ingress rejects (4xx)',
        clientErrors,
        props.clientErrorThreshold ?? 50,
      ),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'ingress 4xx / 5xx', left: [clientErrors], right: [serverErrors], width: 24 }),
    );
    this.alarms = alarms;
  }
}
