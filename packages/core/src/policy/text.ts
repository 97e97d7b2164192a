/** Time arithmetic and wording shared by the reasons, so every reason reads the same way. */
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export function addHours(time: Date, hours: number): Date {
  return new Date(time.getTime() + hours * HOUR_MS);
}

export function addDays(time: Date, days: number): Date {
  return new Date(time.getTime() + days * DAY_MS);
}

export function later(a: Date, b: Date): Date {
  return a.getTime() >= b.getTime() ? a : b;
}

/** Whole days elapsed, never negative (a clock skewed ahead must not make a stage look older). */
export function wholeDaysSince(time: Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - time.getTime()) / DAY_MS));
}

export function wholeHoursSince(time: Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - time.getTime()) / HOUR_MS));
}

/** "2025-01-10 08:00 UTC": unambiguous for a team spread over time zones. */
export function formatTime(time: Date): string {
  return `${time.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

/**
 * Text from outside our own code (lock files, error messages, a keep's reason) goes into reasons that
 * reach Slack and terminals: control characters are replaced and length is bounded.
 */
export function clean(text: string, max = 120): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing control characters is the point
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
