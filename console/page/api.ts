import { useEffect, useState } from 'preact/hooks';
import type { ErrorBody, LiveSample } from '../api-types';

/** A failed call, with the server's message (it says exactly what is wrong on a 4xx). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const isErrorBody = (value: unknown): value is ErrorBody =>
  typeof value === 'object' && value !== null && 'error' in value && typeof value.error === 'string';

const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
  const response = await fetch(path, {
    method,
    ...(method === 'POST' && {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    }),
  });
  const parsed: unknown = await response.json().catch(() => undefined);
  if (!response.ok)
    throw new ApiError(
      response.status,
      isErrorBody(parsed) ? parsed.error : `${method} ${path}: ${response.status}`,
    );
  // The server is this same build and shares api-types.ts: its answers are trusted, not re-validated
  // (a validator would triple the page bundle).
  return parsed as T;
};

/** GET a JSON resource of the console API (the server defines its shape in api-types.ts). */
export const getJson = <T>(path: string) => call<T>('GET', path);
export const postJson = <T>(path: string, body?: unknown) => call<T>('POST', path, body);

/** The latest live sample, pushed by the server every interval while this page is open. */
export const useLive = (): { sample?: LiveSample; connected: boolean } => {
  const [sample, setSample] = useState<LiveSample>();
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const source = new EventSource('/api/live');
    source.addEventListener('sample', (e) => {
      if (e instanceof MessageEvent && typeof e.data === 'string') setSample(JSON.parse(e.data));
    });
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    return () => source.close();
  }, []);
  return { ...(sample && { sample }), connected };
};

/** A one-off GET that reruns when `path` changes; `reload` fetches again. */
export const useJson = <T>(path: string | undefined) => {
  const [state, setState] = useState<{ data?: T; error?: string }>({});
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (!path) return;
    let current = true;
    getJson<T>(path).then(
      (data) => current && setState({ data }),
      (error: unknown) =>
        current && setState({ error: String(error instanceof Error ? error.message : error) }),
    );
    return () => {
      current = false;
    };
  }, [path, round]);
  return { ...state, reload: () => setRound((r) => r + 1) };
};

export const enc = encodeURIComponent;
