import { createHash } from 'node:crypto';

/**
 * A UUID-shaped id derived from a name (UUID v8 layout, SHA-256 based): the same name always gives the
 * same id. Used for ids that must survive retries, e.g. events a handler emits on every redelivery.
 */
export const derivedUuid = (name: string): string => {
  const h = createHash('sha256').update(name).digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x80;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};
