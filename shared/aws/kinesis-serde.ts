import { errorTypeRegistries } from '@aws-sdk/client-kinesis';
import { AwsJson1_1Protocol } from '@aws-sdk/core/protocols';
import { JsonCodec } from '@smithy/core/protocols';

/**
 * The Kinesis client's wire protocol (awsJson1_1, as the SDK sets it up), with the SDK's first JSON
 * codec in place of its default one. Both write the same request bodies (test/unit/aws-kinesis-serde.test.ts),
 * but the default codec writes each record's data as base64 one byte at a time in JavaScript, while this
 * one uses the client's `base64Encoder` (Node's Buffer) and `JSON.stringify`. For a PutRecords of 100
 * ~1 KB records that cut the SDK's serialization by about 40% (docs/performance.md, "Arrays without ids").
 * The ingress's client uses it (functions/create-ingress-handler.ts); consumers keep the default, which
 * keeps this codec out of their bundles (each must stay under 350 KB). The namespace and target are the Kinesis API's own (`x-amz-target: Kinesis_20131202.<Operation>`),
 * the values the client uses when no protocol is given.
 */
export const kinesisProtocol = (): AwsJson1_1Protocol =>
  new AwsJson1_1Protocol({
    defaultNamespace: 'com.amazonaws.kinesis',
    errorTypeRegistries,
    serviceTarget: 'Kinesis_20131202',
    jsonCodec: new JsonCodec({ timestampFormat: { useTrait: true, default: 7 }, jsonName: false }),
  });
