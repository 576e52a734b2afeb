import { h } from 'preact';
import { useState } from 'preact/hooks';
import type { DecodedEvent, EventSearchView } from '../../api-types';
import { enc, useJson } from '../api';
import { fieldValue, time } from '../format';
import { EventBody } from './event-card';

const anchor = (id: string) => `ev-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/**
 * One step of a workflow: the event, and an arrow back to the event that caused it (`causationid`)
 * when that event is on the page, so an order's flow reads as a chain across topics.
 */
const Step = ({ event, index, byId }: { event: DecodedEvent; index: number; byId: Map<string, number> }) => {
  const e = event.envelope;
  const cause = e?.causationid;
  const causeIndex = cause === undefined ? undefined : byId.get(cause);
  return h('li', { id: e ? anchor(e.id) : undefined, class: 'step', 'data-type': e?.type ?? '' }, [
    h('h3', null, [
      h('span', { class: 'topic-tag' }, event.topic),
      ` ${index + 1}. ${e?.type ?? 'undecodable'}`,
    ]),
    h('p', { class: 'meta' }, [
      `${time(event.arrivedAt)} · id ${e?.id ?? '?'}`,
      cause !== undefined &&
        h('span', { class: 'cause' }, [
          ' · ↖ caused by ',
          causeIndex === undefined
            ? cause
            : h('a', { href: `#${anchor(cause)}`, 'data-cause': causeIndex + 1 }, `step ${causeIndex + 1}`),
        ]),
    ]),
    h('details', null, [h('summary', null, 'Envelope and data'), h(EventBody, { event })]),
  ]);
};

/** Every event of a key (or of the key of an event id) across topics, in arrival order. */
export const Events = ({ query }: { query: URLSearchParams }) => {
  const initial = query.get('key') ?? query.get('id') ?? '';
  const mode = query.has('id') ? 'id' : 'key';
  const [text, setText] = useState(initial);
  const [by, setBy] = useState(mode);
  const path = initial ? `/api/events?${mode}=${enc(initial)}` : undefined;
  const { data, error } = useJson<EventSearchView>(path);
  const byId = new Map(
    (data?.events ?? []).flatMap((e, i): [string, number][] => (e.envelope ? [[e.envelope.id, i]] : [])),
  );
  return h('section', { 'aria-labelledby': 'events-title' }, [
    h('h2', { id: 'events-title' }, 'Events by key or id'),
    h(
      'form',
      {
        class: 'filters',
        onSubmit: (ev: Event) => {
          ev.preventDefault();
          location.hash = `#/events?${by}=${enc(text.trim())}`;
        },
      },
      [
        h('label', null, [
          'Search by ',
          h('select', { value: by, onChange: (e: Event) => setBy(fieldValue(e)) }, [
            h('option', { value: 'key' }, 'partition key'),
            h('option', { value: 'id' }, 'event id'),
          ]),
        ]),
        h('label', null, [
          'Value ',
          h('input', {
            name: 'value',
            value: text,
            required: true,
            onInput: (e: Event) => setText(fieldValue(e)),
          }),
        ]),
        h('button', { type: 'submit' }, 'Search'),
      ],
    ),
    error && h('p', { class: 'error', role: 'alert' }, error),
    path && !data && !error && h('p', { role: 'status' }, 'Reading every topic…'),
    data &&
      h(
        'p',
        { role: 'status' },
        `${data.events.length} event(s) for ${mode} ${initial}; ${data.scanned} records read${data.capped ? ' (search limit reached: older events may be missing)' : ''}.`,
      ),
    data &&
      h(
        'ol',
        { class: 'timeline', 'aria-label': `events of ${initial}` },
        data.events.map((event, index) =>
          h(Step, { key: `${event.topic}/${event.sequenceNumber}`, event, index, byId }),
        ),
      ),
  ]);
};
