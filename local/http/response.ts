/** The HTTP answer to write, decoded from a handler result. */
export interface HttpAnswer {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly cookies: readonly string[];
  readonly body: Buffer;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const jsonAnswer = (statusCode: number, body: unknown): HttpAnswer => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  cookies: [],
  body: Buffer.from(JSON.stringify(body)),
});

/**
 * Maps a handler result as API Gateway does for payload format 2.0: an object with a numeric
 * `statusCode` is a structured response; anything else is "the function's response" and becomes a 200
 * with `content-type: application/json` and the result, serialized as Lambda returns it, as the body.
 */
export const mapResult = (result: unknown): HttpAnswer => {
  if (!isRecord(result) || typeof result.statusCode !== 'number') return jsonAnswer(200, result ?? null);
  const headers: Record<string, string> = {};
  if (isRecord(result.headers))
    for (const [name, value] of Object.entries(result.headers))
      if (['string', 'number', 'boolean'].includes(typeof value)) headers[name.toLowerCase()] = String(value);
  const cookies = Array.isArray(result.cookies) ? result.cookies.filter((c) => typeof c === 'string') : [];
  const text = typeof result.body === 'string' ? result.body : '';
  const body = result.isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  return { statusCode: result.statusCode, headers, cookies, body };
};
