import { describe, expect, it } from 'vitest';
import {
  chargeWithRetries,
  createPaymentProvider,
  MemoryChargeLedger,
  ProviderUnavailableError,
} from '../../example/adapters/payment-provider';
import { paymentFailureRate } from '../../example/faults';

const request = { idempotencyKey: 'k-1', orderId: 'o-1', amount: 7, currency: 'EUR' };
const noPause = async () => {};

describe('payment provider stub', () => {
  it('charges once per idempotency key and answers a retry from its ledger', async () => {
    const ledger = new MemoryChargeLedger();
    const provider = createPaymentProvider({ ledger, failureRate: () => 0 });

    const first = await provider.charge(request);
    const again = await provider.charge(request);

    expect(first.status).toBe('succeeded');
    expect(again).toEqual(first);
    expect(ledger.charges.size).toBe(1);
    expect(ledger.replays.get('k-1')).toBe(1);
  });

  it('when the answer is lost after charging, a retry with the same key gets the same charge', async () => {
    const ledger = new MemoryChargeLedger();
    const rolls = [0.4, 0.9];
    const provider = createPaymentProvider({
      ledger,
      failureRate: () => 0.5,
      random: () => rolls.shift() ?? 0.9,
    });

    await expect(provider.charge(request)).rejects.toBeInstanceOf(ProviderUnavailableError);
    const retried = await provider.charge(request);

    expect(ledger.charges.size).toBe(1);
    expect(retried).toEqual(ledger.charges.get('k-1')?.result);
  });

  it('fails before charging on a low roll, so nothing is recorded', async () => {
    const ledger = new MemoryChargeLedger();
    const provider = createPaymentProvider({ ledger, failureRate: () => 0.5, random: () => 0.1 });

    await expect(provider.charge(request)).rejects.toThrow('unavailable');
    expect(ledger.charges.size).toBe(0);
  });

  it('declines decline tokens and rejects malformed tokens as invalid requests without recording', async () => {
    const ledger = new MemoryChargeLedger();
    const provider = createPaymentProvider({ ledger, failureRate: () => 0 });

    const declined = await provider.charge({ ...request, token: 'tok_decline_card' });
    const malformed = provider.charge({ ...request, idempotencyKey: 'k-2', token: '4111 1111 1111 1111' });

    expect(declined).toEqual({ status: 'declined', reason: 'card declined by issuer' });
    await expect(malformed).rejects.toMatchObject({ code: 'INVALID_CHARGE_REQUEST' });
    expect([...ledger.charges.keys()]).toEqual(['k-1']);
  });

  it('retries unavailability in process with the same key, but not invalid requests', async () => {
    const ledger = new MemoryChargeLedger();
    const rolls = [0.1, 0.1, 0.9];
    const flaky = createPaymentProvider({
      ledger,
      failureRate: () => 0.5,
      random: () => rolls.shift() ?? 0.9,
    });
    let calls = 0;
    const invalid = {
      charge: async () => {
        calls += 1;
        return createPaymentProvider({ ledger: new MemoryChargeLedger(), failureRate: () => 0 }).charge({
          ...request,
          token: 'bad token',
        });
      },
    };

    const result = await chargeWithRetries(flaky, request, 3, noPause);

    expect(result.status).toBe('succeeded');
    await expect(chargeWithRetries(invalid, request, 3, noPause)).rejects.toMatchObject({
      code: 'INVALID_CHARGE_REQUEST',
    });
    expect(calls).toBe(1);
  });

  it('reads the failure rate switch, default 0, and refuses nonsense', () => {
    expect(paymentFailureRate({})).toBe(0);
    expect(paymentFailureRate({ EXAMPLE_PAYMENT_FAILURE_RATE: '0.25' })).toBe(0.25);
    expect(() => paymentFailureRate({ EXAMPLE_PAYMENT_FAILURE_RATE: '2' })).toThrow('between 0 and 1');
  });
});
