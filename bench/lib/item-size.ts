/**
 * DynamoDB item size and capacity units as AWS bills them, computed from wire-format (AttributeValue
 * JSON) items. Used where DynamoDB Local does not report what AWS would charge: TransactWriteItems
 * (Local reports 2 units per table per call, whatever the item count) and failed conditional writes
 * (no ConsumedCapacity in the error). Rules: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 */
type Wire = Record<string, unknown>;

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

const numberSize = (n: string): number => {
  const digits = n.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
};

/** Size of one AttributeValue (`{ S: '...' }`, `{ M: {...} }`, ...). */
export const valueSize = (value: unknown): number => {
  if (typeof value !== 'object' || value === null) return 0;
  const v = value as Wire;
  if (typeof v.S === 'string') return utf8(v.S);
  if (typeof v.N === 'string') return numberSize(v.N);
  if (typeof v.B === 'string') return Buffer.from(v.B, 'base64').length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (Array.isArray(v.SS)) return v.SS.reduce((n: number, s: unknown) => n + utf8(String(s)), 0);
  if (Array.isArray(v.NS)) return v.NS.reduce((n: number, s: unknown) => n + numberSize(String(s)), 0);
  if (Array.isArray(v.L)) return 3 + v.L.reduce((n: number, e: unknown) => n + 1 + valueSize(e), 0);
  if (typeof v.M === 'object' && v.M !== null) return 3 + itemSize(v.M as Wire) + Object.keys(v.M).length;
  return 0;
};

/** Size of a whole item: attribute names plus values. */
export const itemSize = (item: Wire | undefined): number =>
  item ? Object.entries(item).reduce((n, [name, value]) => n + utf8(name) + valueSize(value), 0) : 0;

/** Write units of one non-transactional write of an item of `bytes` (1 KB steps, at least 1). */
export const writeUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / 1024));
