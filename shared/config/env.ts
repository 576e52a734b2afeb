/**
 * Environment variable names are constants here. The CDK app (and local mode, which plays its part) is
 * the only place that sets them; functions read them once at cold start through `requireEnv`.
 */

const snake = (name: string): string => name.toUpperCase().replace(/[^A-Z0-9]+/g, '_');

/** Stream name of a topic. */
export const streamEnvVar = (topic: string): string => `SPINE_STREAM_${snake(topic)}`;

/** Table name of a service's own state table. */
export const stateTableEnvVar = (service: string, table: string): string =>
  `SPINE_STATE_${snake(service)}__${snake(table)}`;

/** Runtime tables shared by every service (checkpoints/dedupe, ingress idempotency, parking lot). */
export const RUNTIME_TABLE_ENV = {
  checkpoints: 'SPINE_TABLE_CHECKPOINTS',
  idempotency: 'SPINE_TABLE_IDEMPOTENCY',
  parking: 'SPINE_TABLE_PARKING',
  outbox: 'SPINE_TABLE_OUTBOX',
} as const;

/** JSON map `{ [principal]: producerName }` used by the ingress to name the caller (see ingress/auth). */
export const PRODUCER_PRINCIPALS_ENV = 'SPINE_PRODUCER_PRINCIPALS';

/**
 * Milliseconds a tombstone stays after its delete before a sweep may remove it (shared/consumer/
 * tombstones.ts). Optional: unset, the runtime's default (15 min 2 s) holds. Local mode sets 0 (its idle
 * shards get no later batch to sweep them; see docs/consumer-single-item.md).
 */
export const TOMBSTONE_GRACE_ENV = 'SPINE_TOMBSTONE_GRACE_MS';

/** Name of the stack or local backbone, used in logs and metrics namespaces. */
export const STAGE_ENV = 'SPINE_STAGE';

export class MissingConfigError extends Error {
  readonly code = 'CONFIG_MISSING';
  constructor(readonly variable: string) {
    super(`Environment variable ${variable} is not set; it is set by the Spine CDK app or by local mode.`);
    this.name = 'MissingConfigError';
  }
}

export const requireEnv = (name: string, env: NodeJS.ProcessEnv = process.env): string => {
  const value = env[name];
  if (value === undefined || value === '') throw new MissingConfigError(name);
  return value;
};
