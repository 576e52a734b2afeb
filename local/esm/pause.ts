import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Pausing one emulated event source mapping, the local stand-in for disabling it in AWS. The `spine`
 * CLI writes `<esm>/<service>/<topic>/paused` holding a token; each shard poller checks for it before
 * it reads the next batch (never mid-batch) and answers by writing the token to
 * `<esm>/<service>/<topic>/<shardId>.paused`, so the CLI knows no live batch is in flight.
 */
export const pauseFlagFile = (esmDir: string, service: string, topic: string): string =>
  join(esmDir, service, topic, 'paused');

export const pauseAckFile = (esmDir: string, service: string, topic: string, shardId: string): string =>
  join(esmDir, service, topic, `${shardId}.paused`);

const read = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/** The pause token when paused, else undefined. */
export const pauseToken = (esmDir: string, service: string, topic: string): string | undefined =>
  read(pauseFlagFile(esmDir, service, topic));

/** Called by a shard poller that saw the flag while idle. */
export const acknowledgePause = (
  esmDir: string,
  service: string,
  topic: string,
  shardId: string,
  token: string,
) => {
  const file = pauseAckFile(esmDir, service, topic, shardId);
  if (read(file) !== token) writeFileSync(file, token);
};

export const requestPause = (esmDir: string, service: string, topic: string, token: string): void => {
  const file = pauseFlagFile(esmDir, service, topic);
  mkdirSync(dirname(file), { recursive: true });
  if (!existsSync(file)) writeFileSync(file, token);
};

/** Whether the shard's poller acknowledged the current pause token. */
export const pauseAcknowledged = (
  esmDir: string,
  service: string,
  topic: string,
  shardId: string,
): boolean => {
  const token = pauseToken(esmDir, service, topic);
  return token !== undefined && read(pauseAckFile(esmDir, service, topic, shardId)) === token;
};

export const releasePause = (esmDir: string, service: string, topic: string): void => {
  rmSync(pauseFlagFile(esmDir, service, topic), { force: true });
};
