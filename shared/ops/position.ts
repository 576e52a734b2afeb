import { z } from 'zod';
import { OpsError } from './errors';

/**
 * Where a read, replay or tail starts or ends. `start` is the oldest record still within retention
 * (TRIM_HORIZON), `latest` the tip at the moment of the call, `checkpoint` the live checkpoint of the
 * service on each shard.
 */
export type LogPosition =
  | { readonly kind: 'start' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'checkpoint' }
  | { readonly kind: 'time'; readonly at: number }
  | { readonly kind: 'sequence'; readonly sequenceNumber: string };

/** A position as stored in a session record. */
export const logPositionSchema: z.ZodType<LogPosition> = z.union([
  z.object({ kind: z.enum(['start', 'latest', 'checkpoint']) }),
  z.object({ kind: z.literal('time'), at: z.number() }),
  z.object({ kind: z.literal('sequence'), sequenceNumber: z.string() }),
]);

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses `--from` / `--to`: `start` (or `trim-horizon`), `latest` (or `now`), `checkpoint`, a Kinesis
 * sequence number (16+ digits), epoch seconds (10 digits) or milliseconds (13 digits), a relative time
 * (`15m`, `2h ago`, `-1d`), or an ISO 8601 time.
 *
 * @example parsePosition('2026-11-22T10:00:00Z') // { kind: 'time', at: 1795341600000 }
 */
export const parsePosition = (text: string, now: number = Date.now()): LogPosition => {
  const value = text.trim().toLowerCase();
  if (value === 'start' || value === 'trim-horizon' || value === 'beginning') return { kind: 'start' };
  if (value === 'latest' || value === 'now' || value === 'tip') return { kind: 'latest' };
  if (value === 'checkpoint') return { kind: 'checkpoint' };
  if (/^\d{16,}$/.test(value)) return { kind: 'sequence', sequenceNumber: value };
  if (/^\d{10}$/.test(value)) return { kind: 'time', at: Number(value) * 1000 };
  if (/^\d{13}$/.test(value)) return { kind: 'time', at: Number(value) };
  const relative = /^-?(\d+)\s*([smhd])(\s+ago)?$/.exec(value);
  if (relative?.[1] && relative[2])
    return { kind: 'time', at: now - Number(relative[1]) * (UNITS[relative[2]] ?? 0) };
  const iso = Date.parse(text.trim());
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && Number.isFinite(iso)) return { kind: 'time', at: iso };
  throw new OpsError(
    'INVALID_POSITION',
    `"${text}" is not a position: use start, latest, checkpoint, a sequence number, an ISO time (2026-11-22T10:00:00Z), epoch ms or a relative time (15m, 2h, 1d)`,
  );
};

/** Human form of a position, for plans and progress lines. */
export const describePosition = (position: LogPosition): string => {
  switch (position.kind) {
    case 'time':
      return new Date(position.at).toISOString();
    case 'sequence':
      return `seq ${position.sequenceNumber}`;
    default:
      return position.kind;
  }
};
