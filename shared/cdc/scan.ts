import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';

export interface ScanPage {
  readonly items: readonly Record<string, AttributeValue>[];
  /** Where the next page starts (the key as JSON), absent after the segment's last page. */
  readonly next?: string;
}

/** Port to the captured table for the snapshot: one page of one parallel-scan segment. */
export type ScanSegment = (request: {
  readonly segment: number;
  readonly totalSegments: number;
  readonly next?: string;
  readonly limit: number;
}) => Promise<ScanPage>;

/**
 * Scan on DynamoDB, strongly consistent: a page read after a write sees it, so a snapshot image is
 * never older than a change already in the stream before the read. Costs 1 RCU per 4 KB read
 * (twice the eventually consistent price) on the captured table.
 */
export const createDynamoScan =
  (client: DynamoDBClient, tableName: string): ScanSegment =>
  async ({ segment, totalSegments, next, limit }) => {
    const out = await client.send(
      new ScanCommand({
        TableName: tableName,
        Segment: segment,
        TotalSegments: totalSegments,
        Limit: limit,
        ConsistentRead: true,
        ...(next !== undefined && { ExclusiveStartKey: JSON.parse(next) as Record<string, AttributeValue> }),
      }),
    );
    return {
      items: out.Items ?? [],
      ...(out.LastEvaluatedKey && { next: JSON.stringify(out.LastEvaluatedKey) }),
    };
  };
