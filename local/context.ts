import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { LOCAL_REGION } from './emulators/client';
import { LOCAL_ACCOUNT_ID } from './names';

const day = (date: Date): string =>
  `${date.getUTCFullYear()}/${String(date.getUTCMonth() + 1).padStart(2, '0')}/${String(date.getUTCDate()).padStart(2, '0')}`;

/**
 * A Lambda `Context` for one invocation, shaped as the Node.js runtime builds it. The deadline only
 * feeds `getRemainingTimeInMillis` (handlers use it to stop early); local mode does not kill an
 * invocation that runs past it.
 */
export const lambdaContext = (functionName: string, timeoutMs: number, memoryMb = 1024): Context => {
  const deadline = Date.now() + timeoutMs;
  const now = new Date();
  const unsupported = (name: string) => () => {
    throw new Error(`context.${name}() is deprecated; return a value or a promise from the handler instead`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${day(now)}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  };
};
