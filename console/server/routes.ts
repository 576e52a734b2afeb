import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OpsContext } from '../../cli/context';
import { collectStatus, parsePosition, subscriptionOf, topicOf } from '../../shared/ops';
import { catalogView } from './catalog-view';
import { ConsoleError } from './errors';
import type { LagHistory } from './history';
import type { PageAssets } from './page';
import { discardParked, listParked, redriveParked, showParked } from './parked';
import { openStream, readJson, send, sendJson } from './respond';
import { type LiveSampler, subscriptionKey } from './sampler';
import { searchEvents } from './search';
import { followTopic } from './tail';

export interface RouteDeps {
  readonly ctx: OpsContext;
  readonly sampler: LiveSampler;
  readonly history: LagHistory;
  readonly page: PageAssets;
  readonly log: (error: unknown) => void;
}

interface Request {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly params: readonly string[];
}

type Route = readonly [
  method: 'GET' | 'POST',
  path: RegExp,
  run: (deps: RouteDeps, r: Request) => Promise<void>,
];

const part = '([^/]+)';
const json =
  (run: (deps: RouteDeps, r: Request) => Promise<unknown>) => async (deps: RouteDeps, r: Request) =>
    sendJson(r.res, 200, await run(deps, r));
const param = (r: Request, i: number) => decodeURIComponent(r.params[i] ?? '');
const query = (r: Request, name: string) => r.url.searchParams.get(name) || undefined;
const parkedRef = (r: Request) => ({ service: param(r, 0), topic: param(r, 1), sequenceNumber: param(r, 2) });

const position = (raw: string | undefined) => {
  try {
    return parsePosition(raw ?? 'latest');
  } catch (error) {
    throw new ConsoleError('BAD_REQUEST', `from: ${error instanceof Error ? error.message : String(error)}`);
  }
};

/** Pause or resume live delivery through the CLI's adapter, then sample at once so the page sees it. */
const control = (action: 'pause' | 'resume') =>
  json(async ({ ctx, sampler }, r) => {
    const [service, topic] = [param(r, 0), param(r, 1)];
    subscriptionOf(ctx, service, topic);
    await ctx.control[action](service, topic);
    sampler.poke();
    return { service, topic, paused: await ctx.control.isPaused(service, topic) };
  });

/** The API, in the order a page uses it. Every path is fixed; parameters are URL-decoded segments. */
export const ROUTES: readonly Route[] = [
  ['GET', /^\/$/, async ({ page }, r) => send(r.res, 200, 'text/html; charset=utf-8', page.html)],
  [
    'GET',
    /^\/app\.js$/,
    async ({ page }, r) => send(r.res, 200, 'text/javascript; charset=utf-8', page.script),
  ],
  ['GET', /^\/app\.css$/, async ({ page }, r) => send(r.res, 200, 'text/css; charset=utf-8', page.style)],
  [
    'GET',
    /^\/api\/live$/,
    async ({ sampler }, r) => {
      const stream = openStream(r.req, r.res);
      const stop = sampler.listen((sample) => stream.push('sample', sample));
      stream.signal.addEventListener('abort', stop);
    },
  ],
  [
    'GET',
    /^\/api\/status$/,
    // The full `spine status` (a bounded scan per subscription and shard), only when asked for: the
    // live views use the sampler's cheaper per-shard read.
    json(async ({ ctx }) =>
      collectStatus(
        { catalog: ctx.catalog, reader: ctx.reader, store: ctx.store, isPaused: ctx.control.isPaused },
        { limit: 1_000 },
      ),
    ),
  ],
  ['GET', /^\/api\/catalog$/, json(async ({ ctx }) => catalogView(ctx.catalog))],
  [
    'GET',
    new RegExp(`^/api/subscriptions/${part}/${part}$`),
    json(async ({ ctx, history, sampler }, r) => {
      const [service, topic] = [param(r, 0), param(r, 1)];
      subscriptionOf(ctx, service, topic);
      const live = sampler.latest?.subscriptions.find((s) => s.service === service && s.topic === topic);
      return { subscription: live, history: history.view(subscriptionKey(service, topic)) };
    }),
  ],
  ['POST', new RegExp(`^/api/subscriptions/${part}/${part}/pause$`), control('pause')],
  ['POST', new RegExp(`^/api/subscriptions/${part}/${part}/resume$`), control('resume')],
  [
    'GET',
    new RegExp(`^/api/topics/${part}/tail$`),
    async ({ ctx, log }, r) => {
      const topic = param(r, 0);
      topicOf(ctx.catalog, topic);
      const from = position(query(r, 'from'));
      if (from.kind === 'checkpoint') throw new ConsoleError('BAD_REQUEST', 'from: a tail has no checkpoint');
      const type = query(r, 'type');
      const key = query(r, 'key');
      const stream = openStream(r.req, r.res);
      const filter = { from, ...(type && { type }), ...(key && { key }) };
      await followTopic(ctx.reader, topic, filter, (e) => stream.push('event', e), stream.signal).catch(
        (error: unknown) => {
          log(error);
          stream.push('problem', { error: 'reading the topic failed; see the console terminal' });
        },
      );
      r.res.end();
    },
  ],
  [
    'GET',
    /^\/api\/events$/,
    json(async ({ ctx }, r) => {
      const key = query(r, 'key');
      const id = query(r, 'id');
      if (!key && !id) throw new ConsoleError('BAD_REQUEST', 'search needs ?key=KEY or ?id=EVENT_ID');
      const topics = ctx.catalog.topics.map((t) => t.name);
      return searchEvents(ctx.reader, topics, { ...(key && { key }), ...(id && { id }) });
    }),
  ],
  ['GET', /^\/api\/parked$/, json(async ({ ctx }) => listParked(ctx))],
  [
    'GET',
    new RegExp(`^/api/parked/${part}/${part}/${part}$`),
    json(async ({ ctx }, r) => showParked(ctx, parkedRef(r))),
  ],
  [
    'POST',
    new RegExp(`^/api/parked/${part}/${part}/${part}/redrive$`),
    json(async ({ ctx, sampler }, r) => {
      await readJson(r.req);
      const outcome = await redriveParked(ctx, parkedRef(r));
      sampler.poke();
      return outcome;
    }),
  ],
  [
    'POST',
    new RegExp(`^/api/parked/${part}/${part}/${part}/discard$`),
    json(async ({ ctx, sampler }, r) => {
      const { reason } = await readJson(r.req);
      if (typeof reason !== 'string')
        throw new ConsoleError('BAD_REQUEST', 'body.reason: a string is required');
      const discarded = await discardParked(ctx, parkedRef(r), reason);
      sampler.poke();
      return { discarded, audit: `audit#${discarded.service}` };
    }),
  ],
];

/** The route for a request, with its path parameters; a 404 names the method and path. */
export const matchRoute = (method: string, path: string) => {
  for (const [m, pattern, run] of ROUTES) {
    const match = pattern.exec(path);
    if (match && m === method) return { run, params: match.slice(1) };
  }
  throw new ConsoleError('NOT_FOUND', `no ${method} ${path} in the console API`);
};
