import * as Type from 'typebox';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineCatalog } from '../../shared/catalog';
import {
  defineService,
  MemoryConsumerStore,
  type StateItem,
  type StoredItem,
  type TableItem,
} from '../../shared/consumer';
import { service, subscribe } from './catalog-kit';

/**
 * Compile-time tests of typed state operations in `defineService` handlers: a table with a TypeBox
 * `item` schema types `ctx.get/put/update/delete`; a table without one stays free-form. Each
 * `@ts-expect-error` fails the type-check when the line below it stops being an error. The handlers are
 * built, never run: the operations' behaviour is in test/unit/consumer-state-ops.test.ts and the
 * store contract suite.
 */
const accounts = defineCatalog({
  topics: [{ name: 'deposits', shards: 1, retentionHours: 24 }],
  producers: [{ name: 'bank' }],
  eventTypes: [
    {
      type: 'Deposited',
      topic: 'deposits',
      writer: 'bank',
      keyField: 'account',
      versions: { 1: Type.Object({ account: Type.String(), amount: Type.Number() }) },
    },
  ],
  services: [
    service(
      'ledger',
      [subscribe('deposits')],
      [
        {
          name: 'balances',
          item: Type.Object({
            balance: Type.Number(),
            owner: Type.String(),
            history: Type.Array(Type.Number()),
            note: Type.Optional(Type.String()),
          }),
        },
        { name: 'notes' },
      ],
    ),
    service('audit', [subscribe('deposits')], [{ name: 'trail' }]),
  ],
});

type Balance = { readonly pk: string } & {
  balance: number;
  owner: string;
  history: number[];
  note?: string;
};

const local = () => ({
  env: { SPINE_STREAM_DEPOSITS: 'deposits-stream' },
  store: new MemoryConsumerStore(['balances', 'notes']),
});

describe('typed state operations', () => {
  it('types a table item from its schema, and leaves a table without one free-form', () => {
    expectTypeOf<TableItem<typeof accounts, 'ledger', 'balances'>>().toEqualTypeOf<Balance>();
    expectTypeOf<TableItem<typeof accounts, 'ledger', 'notes'>>().toEqualTypeOf<StateItem>();
  });

  it('checks attribute names and value types of put, update, delete and conditions', () => {
    const handler = defineService(
      accounts,
      'ledger',
      {
        on: {
          Deposited: async (event, ctx) => {
            const pk = event.data.account;
            expectTypeOf(await ctx.get('balances', pk)).toEqualTypeOf<StoredItem<Balance> | undefined>();
            ctx.put(
              'balances',
              { pk, balance: 0, owner: 'x', history: [] },
              { if: { pk: { exists: false } } },
            );
            ctx.update(
              'balances',
              pk,
              {
                add: { balance: event.data.amount },
                append: { history: [event.data.amount] },
                remove: ['note'],
              },
              { if: { $or: [{ owner: { eq: 'x' } }, { balance: { ge: 0, lt: 100 } }] } },
            );
            ctx.delete('balances', pk, { if: { history: { size: { eq: 0 } } } });
            // @ts-expect-error balance is a number
            ctx.update('balances', pk, { set: { balance: 'ten' } });
            // @ts-expect-error balans is no attribute of the item
            ctx.update('balances', pk, { set: { balans: 1 } });
            // @ts-expect-error owner is a string: add takes numeric attributes only
            ctx.update('balances', pk, { add: { owner: 1 } });
            // @ts-expect-error history holds numbers
            ctx.update('balances', pk, { append: { history: ['1'] } });
            // @ts-expect-error balance is required by the item type: it cannot be removed
            ctx.update('balances', pk, { remove: ['balance'] });
            // @ts-expect-error pk is the key: an update cannot change it
            ctx.update('balances', pk, { set: { pk: 'other' } });
            // @ts-expect-error the handler API takes no expression strings
            ctx.update('balances', pk, { updateExpression: 'SET balance = :b' });
            // @ts-expect-error the item lacks owner and history
            ctx.put('balances', { pk, balance: 0 });
            // @ts-expect-error owner is compared with a string
            ctx.delete('balances', pk, { if: { owner: { eq: 1 } } });
            // @ts-expect-error ownr is no attribute of the item
            ctx.delete('balances', pk, { if: { ownr: { exists: true } } });
            // @ts-expect-error trail is the audit service's table
            ctx.update('trail', pk, { set: { n: 1 } });
            ctx.update('notes', pk, { set: { anything: 'goes' }, add: { n: 1 } }, { if: { n: { lt: 5 } } });
            // @ts-expect-error not on a free-form table either: one typed path, so both stores agree
            ctx.update('notes', pk, { updateExpression: 'ADD n :one', values: { ':one': 1 } });
            // @ts-expect-error nor as a put or delete condition
            ctx.delete('notes', pk, { expression: 'attribute_exists(pk)' });
          },
        },
      },
      local(),
    );
    expect(typeof handler).toBe('function');
  });
});
