/**
 * A DynamoDB attribute value in any of the shapes Spine receives it: the SDK's (binary as bytes) and
 * the Lambda event's (binary as base64).
 */
export interface AttributeValue {
  readonly S?: string;
  readonly N?: string;
  readonly BOOL?: boolean;
  readonly NULL?: boolean;
  readonly M?: Readonly<Record<string, AttributeValue>>;
  readonly L?: readonly AttributeValue[];
  readonly SS?: readonly string[];
  readonly NS?: readonly string[];
  readonly B?: string | Uint8Array;
  readonly BS?: readonly (string | Uint8Array)[];
}

const base64 = (b: string | Uint8Array): string =>
  typeof b === 'string' ? b : Buffer.from(b).toString('base64');

/**
 * DynamoDB's typed JSON (`{ S: 'x' }`, `{ N: '1' }`, ...) as plain JSON values, for images in stream
 * records and scanned items. Numbers become JS numbers (a number past 2^53 loses precision; such a
 * value must be a string in the table to reach consumers exactly). Sets become sorted arrays, binary
 * becomes base64: JSON Schema can say what they are, and equal items give equal data.
 */
export const plainValue = (value: AttributeValue): unknown => {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.M !== undefined) return plainImage(value.M);
  if (value.L !== undefined) return value.L.map(plainValue);
  if (value.SS !== undefined) return [...value.SS].sort();
  if (value.NS !== undefined) return value.NS.map(Number).sort((a, b) => a - b);
  if (value.B !== undefined) return base64(value.B);
  if (value.BS !== undefined) return value.BS.map(base64).sort();
  return null;
};

/** An item (`Record<name, AttributeValue>`) as a plain object. */
export const plainImage = (image: Readonly<Record<string, AttributeValue>>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(image)) out[name] = plainValue(value);
  return out;
};
