import { h } from 'preact';
import { useState } from 'preact/hooks';
import type { ParkedDetail, ParkedSummary } from '../../api-types';
import { enc, postJson, useJson } from '../api';
import { fieldValue, shortSeq } from '../format';
import { EventBody } from './event-card';

const refPath = (p: ParkedSummary) =>
  `/api/parked/${enc(p.service)}/${enc(p.topic)}/${enc(p.sequenceNumber)}`;

interface RedriveAnswer {
  readonly results: readonly { outcome: string; reason?: string }[];
}

/** One parked event whole, its error, and the two ways out: redrive, or discard with a reason. */
const Detail = ({ item, done }: { item: ParkedSummary; done: (message: string) => void }) => {
  const { data, error } = useJson<ParkedDetail>(refPath(item));
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const run = async (what: string, call: () => Promise<string>) => {
    setBusy(true);
    try {
      done(await call());
    } catch (e) {
      done(`${what} failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  };
  const redrive = () =>
    run('Redrive', async () => {
      const out = await postJson<RedriveAnswer>(`${refPath(item)}/redrive`);
      const r = out.results[0];
      return `Redrive of ${shortSeq(item.sequenceNumber)}: ${r?.outcome ?? 'nothing to do'}${r?.reason ? ` (${r.reason})` : ''}`;
    });
  const discard = (e: Event) => {
    e.preventDefault();
    void run('Discard', async () => {
      const out = await postJson<{ audit: string }>(`${refPath(item)}/discard`, { reason });
      return `Discarded ${shortSeq(item.sequenceNumber)}; audit record under ${out.audit}`;
    });
  };
  return h('section', { class: 'parked-detail', 'aria-labelledby': 'parked-detail-title' }, [
    h(
      'h3',
      { id: 'parked-detail-title' },
      `${item.service} ← ${item.topic} · ${item.eventType ?? 'event'} · key ${item.key}`,
    ),
    h('p', { class: 'error' }, `After ${item.attempts} attempt(s): ${item.error}`),
    item.mayBeApplied &&
      h(
        'p',
        { class: 'error' },
        'Flagged mayBeApplied: an earlier run may have applied it alone, so Redrive is refused. Check its ' +
          'effect in the state tables, then discard it, or redrive it with ' +
          `spine parked redrive --service ${item.service} --seq ${item.sequenceNumber} --force`,
      ),
    error && h('p', { class: 'error', role: 'alert' }, error),
    data && h(EventBody, { event: data.event }),
    h('p', null, h('button', { type: 'button', disabled: busy, onClick: redrive }, 'Redrive')),
    h('form', { onSubmit: discard, class: 'discard' }, [
      h('label', { for: 'discard-reason' }, 'Reason for discarding (kept in the audit record)'),
      h('textarea', {
        id: 'discard-reason',
        required: true,
        rows: 2,
        value: reason,
        onInput: (e: Event) => setReason(fieldValue(e)),
      }),
      h(
        'button',
        { type: 'submit', class: 'danger', disabled: busy || reason.trim() === '' },
        'Discard for good',
      ),
    ]),
  ]);
};

/** The parking lot of every service. */
export const Parked = () => {
  const { data, error, reload } = useJson<ParkedSummary[]>('/api/parked');
  const [open, setOpen] = useState<string>();
  const [message, setMessage] = useState('');
  const items = data ?? [];
  const selected = items.find((p) => refPath(p) === open);
  return h('section', { 'aria-labelledby': 'parked-title' }, [
    h('h2', { id: 'parked-title' }, 'Parking lot'),
    h('p', { role: 'status', 'aria-live': 'polite', class: 'outcome' }, message),
    error && h('p', { class: 'error', role: 'alert' }, error),
    data && items.length === 0 && h('p', null, 'The parking lot is empty.'),
    items.length > 0 &&
      h('table', null, [
        h('caption', null, `${items.length} parked event(s)`),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            [
              'Service',
              'Topic/shard',
              'Seq',
              'Key',
              'Type',
              'Attempts',
              'Parked at',
              'Flag',
              'Error',
              '',
            ].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          null,
          items.map((p) =>
            h('tr', { key: refPath(p), 'aria-selected': refPath(p) === open }, [
              h('th', { scope: 'row' }, p.service),
              h('td', null, `${p.topic}/${p.shardId}`),
              h('td', { title: p.sequenceNumber }, shortSeq(p.sequenceNumber)),
              h('td', null, p.key),
              h('td', null, p.eventType ?? '-'),
              h('td', { class: 'num' }, p.attempts),
              h('td', null, p.parkedAt ?? '-'),
              h(
                'td',
                p.mayBeApplied
                  ? { title: 'May be applied already: a redrive needs the CLI and --force' }
                  : null,
                p.mayBeApplied ? 'may be applied' : '-',
              ),
              h('td', { class: 'clip' }, p.error),
              h(
                'td',
                null,
                h(
                  'button',
                  {
                    type: 'button',
                    'aria-label': `Show parked event ${p.key} of ${p.service}`,
                    onClick: () => setOpen(refPath(p)),
                  },
                  'Show',
                ),
              ),
            ]),
          ),
        ),
      ]),
    selected &&
      h(Detail, {
        key: open,
        item: selected,
        done: (m) => {
          setMessage(m);
          setOpen(undefined);
          reload();
        },
      }),
  ]);
};
