import { h } from 'preact';
import type { DecodedEvent } from '../../api-types';
import { enc } from '../api';
import { shortSeq, time } from '../format';

export const Json = ({ value, label }: { value: unknown; label: string }) =>
  h('pre', { class: 'json', tabIndex: 0, 'aria-label': label }, JSON.stringify(value, null, 2));

/** The attributes of an envelope other than data and extensions, as a definition list. */
const attributes = (event: DecodedEvent) => {
  const e = event.envelope;
  if (!e) return [];
  const { data: _data, extensions: _extensions, ...rest } = e;
  return Object.entries(rest).filter(([, v]) => v !== undefined);
};

/** One decoded event: position, envelope attributes, extensions and data. */
export const EventBody = ({ event }: { event: DecodedEvent }) =>
  h('div', { class: 'event-body' }, [
    h('dl', null, [
      ...[
        ['topic', event.topic],
        ['shard / sequence', `${event.shardId} / ${event.sequenceNumber}`],
        ['partition key', event.partitionKey],
        ...(event.arrivedAt ? [['arrived', time(event.arrivedAt)]] : []),
        ...attributes(event).map(([k, v]) => [k, String(v)]),
      ].flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)]),
    ]),
    event.envelope?.extensions && h('h4', null, 'Extensions'),
    event.envelope?.extensions && h(Json, { value: event.envelope.extensions, label: 'extensions' }),
    event.undecodable
      ? h('p', { class: 'error' }, `Undecodable: ${event.undecodable}`)
      : h('h4', null, 'Data'),
    h(Json, { value: event.envelope ? event.envelope.data : event.raw, label: 'data' }),
  ]);

/** A collapsible event whose summary line is type, key, id and time (keyboard: Enter/Space toggle). */
export const EventCard = ({ event }: { event: DecodedEvent }) => {
  const e = event.envelope;
  return h('details', { class: 'event', 'data-type': e?.type ?? '' }, [
    h('summary', null, [
      h('strong', null, e?.type ?? 'undecodable'),
      ` v${e?.dataversion ?? '?'} · key `,
      h('a', { href: `#/events?key=${enc(event.partitionKey)}` }, event.partitionKey),
      ` · ${event.topic}/${shortSeq(event.sequenceNumber)} · ${event.arrivedAt ? time(event.arrivedAt) : ''}`,
    ]),
    h(EventBody, { event }),
  ]);
};
