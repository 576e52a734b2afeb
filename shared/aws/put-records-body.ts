import { PutRecordsInput$ } from '@aws-sdk/client-kinesis';
import { AwsJson1_1Protocol } from '@aws-sdk/core/protocols';
import type { $Schema, $ShapeSerializer, SerdeFunctions } from '@smithy/types';

/**
 * Kinesis's protocol with a direct writer for one request body: PutRecords. The SDK's JSON serializer
 * walks the input through its schema and base64-encodes each record's `Data` byte by byte in
 * JavaScript. Writing the same bytes with Node's base64 into one buffer sized up front took about 4-9 us
 * per ~1 KB record off a PutRecords of 100 (docs/performance.md, "2a over a socket"). Everything else
 * about the call is the SDK's own: the middleware stack (endpoint, signing, retries, fault-injection
 * hooks in tests), the HTTP handler and the parsing of the answer.
 *
 * Only inputs whose every string needs no JSON escape (printable ASCII without `"` or `\`) and whose
 * members are the ones written here take the direct path; anything else (a DryRun flag, a non-ASCII
 * partition key, a member a later SDK adds) goes through the SDK's serializer unchanged. The bytes are
 * the SDK's, member order included: test/unit/aws-put-records-body.test.ts compares both on random
 * inputs, and fails if the SDK's output for the same input changes.
 */
export class KinesisProtocol extends AwsJson1_1Protocol {
  constructor(settings: ConstructorParameters<typeof AwsJson1_1Protocol>[0]) {
    super(settings);
    this.serializer = new PutRecordsSerializer(this.serializer);
  }
}

type Serializer = $ShapeSerializer<string | Uint8Array>;

/** Strings written as they are: printable ASCII without `"` or `\`, so JSON needs no escape in them. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
/** PutRecordsInput's and PutRecordsRequestEntry's members, in the order the SDK writes them (its schema's). */
const INPUT_MEMBERS = ['Records', 'StreamName', 'StreamARN', 'StreamId'];
const ENTRY_MEMBERS = ['Data', 'ExplicitHashKey', 'PartitionKey'];

/** Whether every present member of `value` is one of `members` and, but for `except`, a plain string. */
const writable = (value: Record<string, unknown>, members: readonly string[], except: string): boolean => {
  for (const key in value) {
    const member = value[key];
    if (member == null) continue;
    if (!members.includes(key)) return false;
    if (key !== except && !(typeof member === 'string' && PLAIN.test(member))) return false;
  }
  return true;
};

/**
 * The PutRecords body the SDK would write for `input`, or undefined to leave `input` to the SDK. The
 * parts are gathered first, then written into one buffer of their summed length: copying one long
 * concatenated string into a buffer cost 3x more (docs/performance.md, "2a over a socket").
 */
export const directBody = (input: Record<string, unknown>): Buffer | undefined => {
  if (!writable(input, INPUT_MEMBERS, 'Records') || !Array.isArray(input.Records)) return undefined;
  const parts = ['{"Records":['];
  for (const record of input.Records as unknown[]) {
    if (typeof record !== 'object' || record === null) return undefined;
    const entry = record as Record<string, unknown>;
    const data = entry.Data;
    if (!(data instanceof Uint8Array) || !writable(entry, ENTRY_MEMBERS, 'Data')) return undefined;
    const base64 = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
    parts.push(parts.length > 1 ? ',{"Data":"' : '{"Data":"', base64);
    for (const key of ENTRY_MEMBERS)
      if (key !== 'Data' && entry[key] != null) parts.push(`","${key}":"${entry[key]}`);
    parts.push('"}');
  }
  parts.push(']');
  for (const key of INPUT_MEMBERS)
    if (key !== 'Records' && input[key] != null) parts.push(`,"${key}":"${input[key]}"`);
  parts.push('}');
  let size = 0;
  for (const part of parts) size += part.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const part of parts) at += out.write(part, at, 'latin1');
  if (at !== size) throw new Error(`PutRecords body: wrote ${at} bytes, sized ${size}`);
  return out;
};

/** The SDK's serializer, with PutRecords inputs written directly (see `KinesisProtocol`). */
class PutRecordsSerializer implements Serializer {
  private direct: Buffer | undefined;

  constructor(private readonly sdk: Serializer) {}

  write(schema: $Schema, value: unknown): void {
    this.direct =
      schema === PutRecordsInput$ && typeof value === 'object' && value !== null
        ? directBody(value as Record<string, unknown>)
        : undefined;
    if (!this.direct) this.sdk.write(schema, value);
  }

  flush(): string | Uint8Array {
    const direct = this.direct;
    this.direct = undefined;
    return direct ?? this.sdk.flush();
  }

  setSerdeContext(context: SerdeFunctions): void {
    this.sdk.setSerdeContext(context);
  }
}
