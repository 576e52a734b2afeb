import { PutRecordsInput$ } from '@aws-sdk/client-kinesis';
import { AwsJson1_1Protocol } from '@aws-sdk/core/protocols';
import type { $Schema, $ShapeSerializer, SerdeFunctions } from '@smithy/types';

/**
 * Kinesis's protocol with a direct writer for one request body: PutRecords. The SDK's JSON serializer
 * walks the input through its schema and base64-encodes each record's `Data` byte by byte in
 * JavaScript; for a PutRecords of 100 ~1 KB records that was most of the SDK's CPU per call
 * (docs/performance.md, "Ingress CPU"). This writes the same bytes with Node's base64 into one buffer
 * sized up front. Everything else about the call is the SDK's own: the middleware stack (endpoint,
 * signing, retries, fault-injection hooks in tests), the HTTP handler and the parsing of the answer.
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

const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const INPUT_MEMBERS = new Set(['Records', 'StreamName', 'StreamARN', 'StreamId']);
const ENTRY_MEMBERS = new Set(['Data', 'ExplicitHashKey', 'PartitionKey']);
/** The order the SDK writes PutRecordsInput's members in (its schema's order). */
const STREAM_MEMBERS = ['StreamName', 'StreamARN', 'StreamId'] as const;

interface Entry {
  readonly data: Uint8Array;
  readonly explicitHashKey: string | undefined;
  readonly partitionKey: string | undefined;
}

const isPlain = (value: unknown): value is string => typeof value === 'string' && PLAIN.test(value);

/** The entries of a PutRecords input the direct writer can write, or undefined to leave it to the SDK. */
const directEntries = (value: unknown): Entry[] | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const input = value as Record<string, unknown>;
  for (const key in input) {
    if (input[key] === undefined || input[key] === null) continue;
    if (!INPUT_MEMBERS.has(key) || (key !== 'Records' && !isPlain(input[key]))) return undefined;
  }
  const records = input.Records;
  if (!Array.isArray(records)) return undefined;
  const entries: Entry[] = [];
  for (const record of records) {
    if (typeof record !== 'object' || record === null) return undefined;
    const r = record as Record<string, unknown>;
    for (const key in r) if (r[key] != null && !ENTRY_MEMBERS.has(key)) return undefined;
    const { Data: data, ExplicitHashKey: hash, PartitionKey: key } = r;
    if (!(data instanceof Uint8Array)) return undefined;
    if (hash != null && !isPlain(hash)) return undefined;
    if (key != null && !isPlain(key)) return undefined;
    entries.push({ data, explicitHashKey: hash ?? undefined, partitionKey: key ?? undefined });
  }
  return entries;
};

const writeBody = (input: Record<string, unknown>, entries: readonly Entry[]): Buffer => {
  const encoded = entries.map((e) =>
    Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength).toString('base64'),
  );
  let size = '{"Records":[]}'.length + Math.max(0, entries.length - 1);
  entries.forEach((e, i) => {
    size += '{"Data":""}'.length + (encoded[i] ?? '').length;
    if (e.explicitHashKey !== undefined) size += ',"ExplicitHashKey":""'.length + e.explicitHashKey.length;
    if (e.partitionKey !== undefined) size += ',"PartitionKey":""'.length + e.partitionKey.length;
  });
  for (const name of STREAM_MEMBERS) {
    const v = input[name];
    if (typeof v === 'string') size += `,"${name}":""`.length + v.length;
  }
  const out = Buffer.allocUnsafe(size);
  let at = out.write('{"Records":[', 0, 'latin1');
  entries.forEach((e, i) => {
    at += out.write(i === 0 ? '{"Data":"' : ',{"Data":"', at, 'latin1');
    at += out.write(encoded[i] ?? '', at, 'latin1');
    if (e.explicitHashKey !== undefined)
      at += out.write(`","ExplicitHashKey":"${e.explicitHashKey}`, at, 'latin1');
    if (e.partitionKey !== undefined) at += out.write(`","PartitionKey":"${e.partitionKey}`, at, 'latin1');
    at += out.write('"}', at, 'latin1');
  });
  at += out.write(']', at, 'latin1');
  for (const name of STREAM_MEMBERS) {
    const v = input[name];
    if (typeof v === 'string') at += out.write(`,"${name}":"${v}"`, at, 'latin1');
  }
  at += out.write('}', at, 'latin1');
  if (at !== size) throw new Error(`PutRecords body: wrote ${at} bytes, sized ${size}`);
  return out;
};

/** The SDK's serializer, with PutRecords inputs written directly (see `KinesisProtocol`). */
class PutRecordsSerializer implements Serializer {
  private direct: Buffer | undefined;

  constructor(private readonly sdk: Serializer) {}

  write(schema: $Schema, value: unknown): void {
    this.direct = undefined;
    const entries = schema === PutRecordsInput$ ? directEntries(value) : undefined;
    if (entries) this.direct = writeBody(value as Record<string, unknown>, entries);
    else this.sdk.write(schema, value);
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
