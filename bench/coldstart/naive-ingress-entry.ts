import { KinesisClient } from '@aws-sdk/client-kinesis';
import { createNaiveIngress } from '../ingress/naive';

/** Lambda entry of the hand-built ingress (run 2a's naive handler). */
const stream = process.env.BASELINE_STREAM;
if (!stream) throw new Error('BASELINE_STREAM is not set');

export const handler = createNaiveIngress(new KinesisClient({}), stream);
