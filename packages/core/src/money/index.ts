/**
 * Money is an exact count of 1e-10 US dollars (Cost Explorer sends ten decimal places as strings).
 * Sums stay exact; rounding happens only in `formatUsd`.
 */
export type Money = bigint;

const SCALE = 10;
const UNIT = 10n ** BigInt(SCALE);
const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

export const ZERO: Money = 0n;

/** Parses a decimal string such as "1.2300000000" or "-0.5". Digits past the tenth place are truncated. */
export function parseMoney(text: string): Money {
  const match = DECIMAL.exec(text.trim());
  if (!match) throw new Error(`not a decimal amount: ${JSON.stringify(text)}`);
  const [, sign, whole = "0", fraction = ""] = match;
  const value = BigInt(whole) * UNIT + BigInt(fraction.slice(0, SCALE).padEnd(SCALE, "0"));
  return sign ? -value : value;
}

export function sumMoney(values: Iterable<Money>): Money {
  let total = ZERO;
  for (const value of values) total += value;
  return total;
}

/** The exact decimal string, without trailing zeros ("12.5", "0"). */
export function moneyToString(value: Money): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / UNIT;
  const fraction = (abs % UNIT).toString().padStart(SCALE, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

/** Ten decimal places, as Cost Explorer writes amounts. */
export function moneyToFixed10(value: Money): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  return `${negative ? "-" : ""}${abs / UNIT}.${(abs % UNIT).toString().padStart(SCALE, "0")}`;
}

/** Rounds half away from zero to cents, for people: "$1,234.57". */
export function formatUsd(value: Money): string {
  const cent = UNIT / 100n;
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const cents = (abs + cent / 2n) / cent;
  const dollars = (cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}$${dollars}.${(cents % 100n).toString().padStart(2, "0")}`;
}

/** Scales by a rational factor (e.g. a run rate over days), rounding half up at the tenth place. */
export function scaleMoney(value: Money, numerator: bigint, denominator: bigint): Money {
  if (denominator === 0n) throw new Error("scaleMoney: zero denominator");
  const product = value * numerator;
  const half = denominator / 2n;
  return product >= 0n ? (product + half) / denominator : (product - half) / denominator;
}
