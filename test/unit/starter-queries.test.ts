import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { stateTableEnvVar } from '../../shared/config';
import { httpEvent } from '../fixtures/apigw';

// The starter imports the published package by name; here it is this repo's own entry point.
vi.mock('spine', () => import('../../index'));

const documents = mockClient(DynamoDBDocumentClient);
afterAll(() => documents.restore());

// The template is outside the repo's TypeScript program (its `spine` is the published package).
const STARTER_QUERIES = '../../cli/templates/starter/functions/greeter-queries';
type QueryRoute = { handler: (e: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> };

const get = async (name: string) => {
  vi.stubEnv(stateTableEnvVar('greeter', 'counts'), 'greeter-counts');
  const route: QueryRoute = await import(STARTER_QUERIES);
  return route.handler(httpEvent({ routeKey: 'GET /greetings/{name}', pathParameters: { name } }));
};

describe('starter query route reads state as the greeter wrote it (review F7)', () => {
  it('GET of a deleted name is 404, and a live one has no spine: key in the body', async () => {
    const fences = { 'spine:fence:greetings|shardId-000000000000': '0291', 'spine:units': new Set(['x']) };
    documents
      .on(GetCommand, { Key: { pk: 'gone' } })
      .resolves({ Item: { pk: 'gone', 'spine:deleted': true, ...fences } })
      .on(GetCommand, { Key: { pk: 'ada' } })
      .resolves({ Item: { pk: 'ada', count: 2, ...fences } });

    const [gone, ada] = [await get('gone'), await get('ada')];

    expect(gone.statusCode).toBe(404);
    expect(ada.statusCode).toBe(200);
    expect(JSON.parse(String(ada.body))).toEqual({ pk: 'ada', count: 2 });
  });
});
