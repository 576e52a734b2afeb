import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { HandlerLoadError } from './errors';

/**
 * A Lambda handler as local mode calls it: `(event, context)` returning a value or a promise. The
 * deprecated callback style is not supported (Spine's functions are async).
 */
export type LambdaHandler<TEvent = never, TResult = unknown> = (
  event: TEvent,
  context: Context,
) => Promise<TResult> | TResult;

/**
 * Imports `<root>/<entry>` and returns its `handler` export. Call only after the local environment is
 * applied: handler modules read their configuration once, at import.
 */
export const loadHandler = async <TEvent>(root: string, entry: string): Promise<LambdaHandler<TEvent>> => {
  const path = resolve(root, entry);
  if (!existsSync(path)) throw new HandlerLoadError(path, 'the file does not exist');
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(path).href);
  } catch (error) {
    throw new HandlerLoadError(path, `importing it failed: ${String(error)}`, error);
  }
  const handler = module.handler;
  if (typeof handler !== 'function') throw new HandlerLoadError(path, 'it has no `handler` function export');
  return handler as LambdaHandler<TEvent>;
};
