/** The currency the business books in; foreign payments are converted into it. */
export const HOME_CURRENCY = 'EUR';

/** Currencies the storefront may charge in; others are rejected at validation. */
export const SUPPORTED_CURRENCIES: ReadonlySet<string> = new Set(['EUR', 'USD', 'GBP', 'CHF', 'JPY']);

/** Cents-exact rounding for display and events (half away from zero). */
export const round2 = (value: number): number => Math.round((value + Number.EPSILON) * 100) / 100;

/** Key of the rates table for converting `currency` into the home currency, e.g. `USD-EUR`. */
export const ratePair = (currency: string): string => `${currency}-${HOME_CURRENCY}`;

export interface Conversion {
  readonly homeAmount: number;
  readonly homeCurrency: string;
  readonly rate: number;
}

/**
 * Converts an amount into the home currency at `rate` (home units per foreign unit); the home currency
 * converts at 1 without a rate. Returns undefined when a foreign amount has no rate.
 */
export const toHome = (
  amount: number,
  currency: string,
  rate: number | undefined,
): Conversion | undefined => {
  if (currency === HOME_CURRENCY) return { homeAmount: round2(amount), homeCurrency: HOME_CURRENCY, rate: 1 };
  if (rate === undefined) return undefined;
  return { homeAmount: round2(amount * rate), homeCurrency: HOME_CURRENCY, rate };
};
