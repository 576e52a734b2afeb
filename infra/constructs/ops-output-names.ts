import { pascal } from './output-id';

/**
 * Stack outputs the `spine` CLI reads to operate a deployed stack: per subscription the consumer
 * function (replay/redrive invoke it) and its event source mapping (pause/resume), plus the operator
 * role and the dashboard.
 */
export const opsOutputNames = {
  consumer: (service: string, topic: string): string => `OpsConsumer${pascal(service)}${pascal(topic)}`,
  mapping: (service: string, topic: string): string => `OpsMapping${pascal(service)}${pascal(topic)}`,
  operatorRole: 'OpsOperatorRoleArn',
  dashboard: 'OpsDashboardName',
} as const;
