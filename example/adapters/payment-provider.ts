import { randomUUID } from 'node:crypto';
import type { ChargeResult } from '../domain/payment';

/**
 * A stand-in for an external payment provider (think Stripe): it charges once per idempotency key,
 * and can be told to fail transiently. It is what makes "exactly one charge per paid order" testable:
 * its ledger is the provider's own record of money taken, written outside the service's transaction.
 */
export interface ChargeRequest {
  readonly idempotencyKey: string;
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  /** Provider token of a payment method; absent means the customer's card on file. */
  readonly token?: string;
}

/** One charge decision as the provider stores it. */
export interface StoredCharge {
  readonly idempotencyKey: string;
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  readonly result: ChargeResult;
  readonly at: string;
}

/** The provider's ledger (port); `insert` returns false when the key is already recorded. */
export interface ChargeLedger {
  find(idempotencyKey: string): Promise<StoredCharge | undefined>;
  insert(charge: StoredCharge): Promise<boolean>;
  /** Counts a request answered from the ledger (a recognised retry), like Stripe's `Idempotent-Replayed`. */
  markReplayed(idempotencyKey: string): Promise<void>;
}

/** The provider could not answer (outage, timeout, lost response): the same request may be retried. */
export class ProviderUnavailableError extends Error {
  readonly code = 'PROVIDER_UNAVAILABLE';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProviderUnavailableError';
  }
}

/**
 * The provider refused the request itself (HTTP 400 in a real API): retrying the same request cannot
 * succeed. For the payments service this is a bug or bad data, not a business outcome.
 */
export class InvalidChargeRequestError extends Error {
  readonly code = 'INVALID_CHARGE_REQUEST';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidChargeRequestError';
  }
}

export const isProviderUnavailableError = (e: unknown): e is ProviderUnavailableError =>
  e instanceof Error && (e as { code?: unknown }).code === 'PROVIDER_UNAVAILABLE';

export interface PaymentProvider {
  charge(request: ChargeRequest): Promise<ChargeResult>;
}

export interface ProviderOptions {
  readonly ledger: ChargeLedger;
  /** Share of calls, 0..1, that fail transiently; read per call so it can be switched at run time. */
  readonly failureRate: () => number;
  /** @default Math.random */
  readonly random?: () => number;
  /** @default () => new Date().toISOString() */
  readonly now?: () => string;
}

const TOKEN = /^tok_[a-z0-9_]{3,60}$/;

/** The provider's answer to a well-formed request: tokens starting `tok_decline` are declined. */
const decideCharge = (request: ChargeRequest): ChargeResult => {
  if (request.token?.startsWith('tok_decline'))
    return { status: 'declined', reason: 'card declined by issuer' };
  return { status: 'succeeded', chargeId: `ch_${randomUUID().replaceAll('-', '').slice(0, 20)}` };
};

export const createPaymentProvider = (options: ProviderOptions): PaymentProvider => {
  const random = options.random ?? Math.random;
  const now = options.now ?? (() => new Date().toISOString());
  return {
    async charge(request) {
      const rate = options.failureRate();
      const roll = random();
      // Half of the failures happen before anything is charged, half after: the money is taken but
      // the answer is lost, which only the idempotency key makes safe to retry.
      if (roll < rate / 2) throw new ProviderUnavailableError('payment provider unavailable (503)');
      const known = await options.ledger.find(request.idempotencyKey);
      if (known) {
        await options.ledger.markReplayed(request.idempotencyKey);
        return known.result;
      }
      if (request.token !== undefined && !TOKEN.test(request.token))
        throw new InvalidChargeRequestError(
          `payment provider rejected the request (400): token "${request.token.slice(0, 8)}..." is not a provider token`,
        );
      const stored: StoredCharge = {
        idempotencyKey: request.idempotencyKey,
        orderId: request.orderId,
        amount: request.amount,
        currency: request.currency,
        result: decideCharge(request),
        at: now(),
      };
      const inserted = await options.ledger.insert(stored);
      const result = inserted ? stored.result : (await options.ledger.find(request.idempotencyKey))?.result;
      if (!result) throw new ProviderUnavailableError('payment provider lost a charge record');
      if (roll < rate) throw new ProviderUnavailableError('payment provider timed out after charging');
      return result;
    },
  };
};

/** An in-memory ledger (tests). */
export class MemoryChargeLedger implements ChargeLedger {
  readonly charges = new Map<string, StoredCharge>();
  readonly replays = new Map<string, number>();
  async markReplayed(idempotencyKey: string) {
    this.replays.set(idempotencyKey, (this.replays.get(idempotencyKey) ?? 0) + 1);
  }
  async find(idempotencyKey: string) {
    return this.charges.get(idempotencyKey);
  }
  async insert(charge: StoredCharge) {
    if (this.charges.has(charge.idempotencyKey)) return false;
    this.charges.set(charge.idempotencyKey, charge);
    return true;
  }
}

/**
 * Calls `charge` up to `attempts` times while the provider is unavailable, as an HTTP client would,
 * with the same idempotency key each time. Further failures reach the runtime, which retries the event.
 */
export const chargeWithRetries = async (
  provider: PaymentProvider,
  request: ChargeRequest,
  attempts = 3,
  pause: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<ChargeResult> => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await provider.charge(request);
    } catch (error) {
      if (!isProviderUnavailableError(error) || attempt >= attempts) throw error;
      await pause(20 * attempt);
    }
  }
};
