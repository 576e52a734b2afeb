import { describe, expect, it } from 'vitest';
import {
  defineConsumer,
  type EventHandler,
  type HandlerContext,
  isInvalidStateOpError,
  MemoryConsumerStore,
} from '../../shared/consumer';
import { toExpressions } from '../../shared/consumer/state-ops-dynamo';
import { planCondition, planUpdate } from '../../shared/consumer/state-ops-plan';
import { testCatalog, testStreamEnv } from '../fixtures/catalog';
import { countedRecord, kinesisEvent, seq } from '../fixtures/kinesis';

const counted = countedRecord;

const run = async (handler: EventHandler, n = 1) => {
  const store = new MemoryConsumerStore(['totals', 'limits']);
  const consumer = defineConsumer(
    { catalog: testCatalog, service: 'counter', handlers: { Counted: handler } },
    { env: testStreamEnv, store, logReaders: false },
  );
  const records = Array.from({ length: n }, (_, i) => counted(i + 1, 'a', i + 1));
  const response = await consumer(kinesisEvent(records));
  return { store, response };
};

describe('typed state operations in a handler', () => {
  it('applies set, add and append of successive events to one item', async () => {
    const { store, response } = await run((event, ctx) => {
      const { by } = event.data as { by: number };
      ctx.update('totals', 'a', { set: { last: by, seen: true }, add: { total: by }, append: { bys: [by] } });
    }, 3);

    expect(response.batchItemFailures).toEqual([]);
    expect(await store.getItem('totals', 'a')).toEqual({
      pk: 'a',
      last: 3,
      seen: true,
      total: 6,
      bys: [1, 2, 3],
    });
  });

  it('applies a write whose condition holds and fails the event whose condition does not', async () => {
    const { store, response } = await run((event, ctx) => {
      const { by } = event.data as { by: number };
      ctx.update(
        'totals',
        'a',
        { add: { total: by } },
        { if: { $or: [{ total: { lt: 1 } }, { total: { exists: false } }] } },
      );
    }, 2);

    expect(await store.getItem('totals', 'a')).toEqual({ pk: 'a', total: 1 });
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: seq(2) }]);
  });

  it('refuses a malformed operation when the handler makes it, naming table, key and problem', async () => {
    const problems: string[] = [];
    const attempt = (write: () => void) => {
      try {
        write();
      } catch (error) {
        problems.push(isInvalidStateOpError(error) ? error.message : `unexpected: ${String(error)}`);
      }
    };
    await run((_event, ctx) => {
      attempt(() => ctx.update('totals', 'a', {}));
      attempt(() => ctx.update('totals', 'a', { set: { pk: 'b' } }));
      attempt(() => ctx.update('totals', 'a', { set: { n: 1 }, add: { n: 1 } }));
      attempt(() => ctx.update('totals', 'a', { add: { n: Number.NaN } }));
      attempt(() => ctx.put('totals', { pk: 'a' }, { if: { n: {} } }));
      attempt(() => ctx.delete('totals', 'a', { if: { $or: [] } }));
    });

    expect(problems).toEqual([
      'totals/a: the update changes nothing',
      'totals/a: set names the key attribute pk, which an update cannot change',
      'totals/a: attribute "n" appears in two clauses of one update',
      'totals/a: add.n must be a finite number',
      'totals/a: the test of "n" tests nothing',
      'totals/a: $or must be a non-empty array of conditions',
    ]);
  });

  it('refuses the removed expression-string forms from an untyped caller instead of dropping them', async () => {
    const problems: string[] = [];
    // Reflect.apply: what plain JavaScript (or a cast) can still pass; the types refuse these.
    const attempt =
      (method: 'put' | 'update' | 'delete', ...args: unknown[]) =>
      (ctx: HandlerContext) => {
        try {
          Reflect.apply(ctx[method], ctx, args);
        } catch (error) {
          problems.push(isInvalidStateOpError(error) ? error.message : `unexpected: ${String(error)}`);
        }
      };
    const { store } = await run((_event, ctx) => {
      attempt('update', 'totals', 'a', { updateExpression: 'ADD total :one', values: { ':one': 1 } })(ctx);
      attempt('put', 'totals', { pk: 'a' }, { expression: 'attribute_not_exists(pk)' })(ctx);
      attempt('delete', 'totals', 'b', { expression: 'attribute_exists(pk)' })(ctx);
    });

    expect(problems).toEqual([
      'totals/a: unknown update clause "updateExpression" (known: set, setIfAbsent, add, append, remove)',
      'totals/a: unknown write option "expression" (known: if)',
      'totals/b: unknown write option "expression" (known: if)',
    ]);
    expect(await store.getItem('totals', 'a')).toBeUndefined();
  });
});

describe('toExpressions', () => {
  it('puts every attribute name and value behind a generated placeholder', () => {
    const hostile = 'n = :x, #y';

    const out = toExpressions(
      planUpdate({
        set: { [hostile]: 1, status: 'open' },
        append: { ids: ['x'] },
        add: { count: 2 },
        remove: ['old'],
      }),
      planCondition({ status: { ne: 'closed' }, $not: { count: { size: { gt: 3 } } } }),
    );

    expect(out).toEqual({
      UpdateExpression:
        'SET #a0 = :v0, #a1 = :v1, #a3 = list_append(if_not_exists(#a3, :v3), :v4) ADD #a2 :v2 REMOVE #a4',
      ConditionExpression: '(#a1 <> :v5 AND (NOT size(#a2) > :v6))',
      ExpressionAttributeNames: {
        '#a0': hostile,
        '#a1': 'status',
        '#a2': 'count',
        '#a3': 'ids',
        '#a4': 'old',
      },
      ExpressionAttributeValues: {
        ':v0': 1,
        ':v1': 'open',
        ':v2': 2,
        ':v3': [],
        ':v4': ['x'],
        ':v5': 'closed',
        ':v6': 3,
      },
    });
  });
});
