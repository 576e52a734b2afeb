import { describe, expect, it } from 'vitest';
import { createPaymentProvider, MemoryChargeLedger } from '../../example/adapters/payment-provider';
import { paymentsService } from '../../example/services/payments';
import { testService } from '../../shared/testing';

// The service takes its provider: here the stub provider on an in-memory ledger, never failing.
const setup = () => {
  const ledger = new MemoryChargeLedger();
  const t = testService(paymentsService(createPaymentProvider({ ledger, failureRate: () => 0 })));
  return { ledger, t };
};
const validated = (currency: string, paymentToken?: string) =>
  ({
    type: 'OrderValidated',
    data: {
      orderId: 'o-1',
      customerId: 'u-1',
      amount: 10,
      currency,
      ...(paymentToken === undefined ? {} : { paymentToken }),
    },
  }) as const;
const usdRate = { type: 'ExchangeRateSet', data: { pair: 'USD-EUR', rate: 0.9 } } as const;

describe('payments service', () => {
  it('given the USD rate, when a USD order is validated, then charges it once, records PROCESSED and emits PaymentProcessed in EUR', async () => {
    // Prepare
    const { ledger, t } = setup();
    await t.given(usdRate);

    // Act
    const out = await t.when(validated('USD', 'tok_abc'));

    // Assess
    expect(out.emitted.map((e) => [e.type, e.key])).toEqual([['PaymentProcessed', 'o-1']]);
    expect(out.emitted[0]?.data).toMatchObject({ amount: 10, currency: 'USD', homeAmount: 9, rate: 0.9 });
    expect(await t.item('payments', 'o-1')).toMatchObject({
      status: 'PROCESSED',
      homeAmount: 9,
      homeCurrency: 'EUR',
    });
    expect(ledger.charges.size).toBe(1);
  });

  it('given no rate, when a USD order is validated, then records FAILED with NO_RATE and charges nothing', async () => {
    // Prepare
    const { ledger, t } = setup();

    // Act
    const out = await t.when(validated('USD'));

    // Assess
    expect(out.emitted).toEqual([
      {
        type: 'PaymentFailed',
        key: 'o-1',
        version: 1,
        data: { orderId: 'o-1', reason: 'NO_RATE', detail: 'no exchange rate for USD' },
      },
    ]);
    expect(await t.item('payments', 'o-1')).toMatchObject({ status: 'FAILED', reason: 'NO_RATE' });
    expect(ledger.charges.size).toBe(0);
  });

  it('when a rate is published, then the rates table holds it for later lookups', async () => {
    // Prepare
    const { t } = setup();

    // Act
    const out = await t.when(usdRate);

    // Assess
    expect(out.emitted).toEqual([]);
    expect(await t.item('rates', 'USD-EUR')).toMatchObject({ value: { pair: 'USD-EUR', rate: 0.9 } });
  });

  it('given a processed payment, when the order is validated again under a new id, then neither charges nor emits again', async () => {
    // Prepare
    const { ledger, t } = setup();
    await t.given(validated('EUR', 'tok_abc'));

    // Act
    const out = await t.when(validated('EUR', 'tok_abc'));

    // Assess
    expect(out.emitted).toEqual([]);
    expect(ledger.charges.size).toBe(1);
  });

  it('when the card is declined, then records FAILED with DECLINED and emits PaymentFailed', async () => {
    // Prepare
    const { t } = setup();

    // Act
    const out = await t.when(validated('EUR', 'tok_decline_1'));

    // Assess
    expect(out.emitted.map((e) => e.type)).toEqual(['PaymentFailed']);
    expect(out.emitted[0]?.data).toMatchObject({ reason: 'DECLINED' });
    expect(await t.item('payments', 'o-1')).toMatchObject({ status: 'FAILED', reason: 'DECLINED' });
  });
});
