import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';

/**
 * Lag alarm of a consumer: the age of the newest record read stays above `threshold` for 5 minutes,
 * i.e. the service is falling behind its topic and nearing the retention cliff. No action is attached:
 * wire `alarm.addAlarmAction` to your paging topic.
 */
export const iteratorAgeAlarm = (scope: Construct, fn: IFunction, threshold: Duration): Alarm =>
  new Alarm(scope, 'IteratorAgeAlarm', {
    alarmDescription: `Consumer ${fn.functionName} lags its stream by more than ${threshold.toHumanString()}`,
    metric: fn.metric('IteratorAge', { statistic: Stats.MAXIMUM, period: Duration.minutes(1) }),
    threshold: threshold.toMilliseconds(),
    evaluationPeriods: 5,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
