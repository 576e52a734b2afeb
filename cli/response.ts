import type { KinesisStreamBatchResponse } from 'aws-lambda';
import { z } from 'zod';
import { OpsError } from '../shared/ops';

const responseSchema = z
  .object({ batchItemFailures: z.array(z.object({ itemIdentifier: z.string() })).nullish() })
  .nullish();

/** A consumer's answer read the way Lambda reads `ReportBatchItemFailures`. */
export const batchResponse = (value: unknown): KinesisStreamBatchResponse | undefined => {
  const parsed = responseSchema.safeParse(value);
  if (!parsed.success)
    throw new OpsError(
      'DELIVERY_FAILED',
      `the consumer answered something that is not a batch response: ${JSON.stringify(value)}`,
    );
  return parsed.data?.batchItemFailures ? { batchItemFailures: parsed.data.batchItemFailures } : undefined;
};
