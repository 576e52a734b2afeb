import type { RuntimeTable } from '../shared/config';

/**
 * Local resource names. The CDK app names its own; local mode only has to be consistent, and these
 * short names keep `aws --endpoint-url ... kinesis list-streams` output readable.
 */
export const localStreamName = (topic: string): string => topic;

export const localRuntimeTableName = (table: RuntimeTable): string => `spine-${table}`;

export const localStateTableName = (service: string, table: string): string => `spine-${service}-${table}`;

/** The IAM role a producer would assume in AWS; its name is what the ingress maps to the producer. */
export const producerPrincipal = (producer: string): string => `spine-producer-${producer}`;

export const LOCAL_ACCOUNT_ID = '000000000000';
