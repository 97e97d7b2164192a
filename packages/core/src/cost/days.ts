/** UTC calendar days as "YYYY-MM-DD", the form Cost Explorer uses. */
export function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(isoDay: string, days: number): string {
  const date = new Date(`${isoDay}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return day(date);
}

export function monthStart(isoDay: string): string {
  return `${isoDay.slice(0, 8)}01`;
}

export function nextMonthStart(isoDay: string): string {
  const date = new Date(`${monthStart(isoDay)}T00:00:00Z`);
  date.setUTCMonth(date.getUTCMonth() + 1);
  return day(date);
}

/** Whole days from `from` (inclusive) to `to` (exclusive). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

export function earlierDay(a: string, b: string): string {
  return a.localeCompare(b) <= 0 ? a : b;
}
