import type { Catalog, CdcSourceSpec } from '../catalog';
import { RUNTIME_TABLE_ENV, requireEnv, streamEnvVar } from '../config';

/** Environment of a CDC function; the CDK construct (and local mode) set these, nothing else does. */
export const CDC_ENV = {
  source: 'SPINE_CDC_SOURCE',
  table: 'SPINE_CDC_TABLE',
  streamArn: 'SPINE_CDC_STREAM_ARN',
} as const;

export interface CdcConfig {
  readonly source: CdcSourceSpec;
  readonly tableName: string;
  readonly streamArn: string;
  readonly topicStream: string;
  readonly checkpointsTable: string;
  readonly parkingTable: string;
  readonly batchesTable: string;
}

export class UnknownCdcSourceError extends Error {
  readonly code = 'CDC_SOURCE_UNKNOWN';
  constructor(readonly source: string) {
    super(`${CDC_ENV.source}="${source}" names no cdcSources entry of the catalog`);
    this.name = 'UnknownCdcSourceError';
  }
}

export const isUnknownCdcSourceError = (error: unknown): error is UnknownCdcSourceError =>
  error instanceof Error && (error as { code?: unknown }).code === 'CDC_SOURCE_UNKNOWN';

/** Reads the CDC function's configuration once; a missing variable fails naming it. */
export const loadCdcConfig = (catalog: Catalog, env: NodeJS.ProcessEnv = process.env): CdcConfig => {
  const name = requireEnv(CDC_ENV.source, env);
  const source = (catalog.cdcSources ?? []).find((s) => s.name === name);
  if (!source) throw new UnknownCdcSourceError(name);
  return {
    source,
    tableName: requireEnv(CDC_ENV.table, env),
    streamArn: requireEnv(CDC_ENV.streamArn, env),
    topicStream: requireEnv(streamEnvVar(source.topic), env),
    checkpointsTable: requireEnv(RUNTIME_TABLE_ENV.checkpoints, env),
    parkingTable: requireEnv(RUNTIME_TABLE_ENV.parking, env),
    batchesTable: requireEnv(RUNTIME_TABLE_ENV.idempotency, env),
  };
};
