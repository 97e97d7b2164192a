import { validation } from "./input.js";

/** UTC calendar days as Cost Explorer speaks them: "YYYY-MM-DD" strings, which sort as they run. */
export type Day = string;

const DAY_MS = 86_400_000;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** The model's pattern; the time part belongs to HOURLY granularity. */
const DATE_PATTERN = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}:\d{2}Z)?$/;

export function dayOf(time: Date): Day {
  return time.toISOString().slice(0, 10);
}

export function addDays(day: Day, days: number): Day {
  return dayOf(new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS));
}

export function daysBetween(start: Day, end: Day): number {
  return Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / DAY_MS);
}

export function firstOfNextMonth(day: Day): Day {
  const [year = 0, month = 0] = day.split("-").map(Number);
  return dayOf(new Date(Date.UTC(year, month, 1)));
}

/** [Start, End) as days, checked against the model's pattern and the calendar. */
export function parsePeriod(period: unknown): { start: Day; end: Day } {
  const { Start, End } = (period ?? {}) as { Start?: unknown; End?: unknown };
  if (typeof Start !== "string" || typeof End !== "string") {
    throw validation("TimePeriod with Start and End is required.");
  }
  return { start: parseDay(Start, "Start"), end: parseDay(End, "End") };
}

function parseDay(text: string, field: string): Day {
  const match = DATE_PATTERN.exec(text);
  if (!match) {
    throw validation(
      `1 validation error detected: Value '${text}' at 'timePeriod.${field.toLowerCase()}' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\d{4}-\\d{2}-\\d{2})(T\\d{2}:\\d{2}:\\d{2}Z)?`,
    );
  }
  if (match[2]) throw validation(`${field} may only carry a time of day with HOURLY granularity.`);
  const day = match[1] as Day;
  const [, year, month, date] = DAY.exec(day) ?? [];
  const parsed = new Date(Date.UTC(Number(year), Number(month) - 1, Number(date)));
  if (dayOf(parsed) !== day) throw validation(`${field} date ${day} is not a valid date.`);
  return day;
}

/** Consecutive periods covering [start, end): one per day, or one per calendar month cut at the bounds. */
export function buckets(start: Day, end: Day, granularity: "DAILY" | "MONTHLY"): { start: Day; end: Day }[] {
  const periods: { start: Day; end: Day }[] = [];
  for (let from = start; from < end; ) {
    const next = granularity === "DAILY" ? addDays(from, 1) : firstOfNextMonth(from);
    const to = next < end ? next : end;
    periods.push({ start: from, end: to });
    from = to;
  }
  return periods;
}

export function* eachDay(start: Day, end: Day): Generator<Day> {
  for (let day = start; day < end; day = addDays(day, 1)) yield day;
}
