import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createDocumentClient, requireEnv, stateTableEnvVar, userView } from 'spine';

const client = createDocumentClient();
const counts = requireEnv(stateTableEnvVar('greeter', 'counts'));

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** `GET /greetings/{name}`: the greeter's count for a name, read from its `counts` table. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const name = event.pathParameters?.name;
  if (!name) return json(400, { message: 'name is required' });
  const out = await client.send(
    new GetCommand({ TableName: counts, Key: { pk: name }, ConsistentRead: true }),
  );
  // The item as the greeter wrote it: Spine's own attributes stripped, and a deleted one is absent.
  const item = userView(out.Item);
  return item ? json(200, item) : json(404, { message: `no greetings for ${name}` });
};
