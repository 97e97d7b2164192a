import { type Money, scaleMoney, sumMoney, ZERO } from "../money/index.js";
import type { DailyCost, StageCost } from "../stage/facts.js";
import { addDays, daysBetween, earlierDay, monthStart, nextMonthStart } from "./days.js";
import type { CostRow } from "./explorer.js";

/** The days a plan made on `today` needs: month to date and the last 7 days, both ending yesterday. */
export function costWindow(today: string): { start: string; end: string } {
  const weekAgo = addDays(today, -7);
  const month = monthStart(today);
  return { start: earlierDay(weekAgo, month), end: today };
}

/**
 * One stage's cost figures from its daily rows. Cost Explorer lags a day, so "yesterday" is the newest day
 * and today is never counted. The forecast adds the stage's own run rate over the days left in the month.
 */
export function summarise(rows: CostRow[], today: string): StageCost {
  const yesterday = addDays(today, -1);
  const weekStart = addDays(today, -7);
  const month = monthStart(today);
  const inWeek = rows.filter((r) => r.date >= weekStart && r.date < today);
  const last7Days = sumMoney(inWeek.map((r) => r.amount));
  const monthToDate = sumMoney(rows.filter((r) => r.date >= month && r.date < today).map((r) => r.amount));
  const firstDay = inWeek.map((r) => r.date).sort()[0];
  const observedDays = firstDay ? daysBetween(firstDay, today) : 0;
  const remaining = daysBetween(today, nextMonthStart(today));
  const forecast =
    observedDays > 0
      ? monthToDate + scaleMoney(last7Days, BigInt(remaining), BigInt(observedDays))
      : monthToDate;
  return {
    yesterday: sumMoney(rows.filter((r) => r.date === yesterday).map((r) => r.amount)),
    last7Days,
    monthToDate,
    forecast,
    estimated: rows.some((r) => r.estimated && r.date >= earlierDay(weekStart, month)),
    daily: collapse(rows),
  };
}

function collapse(rows: CostRow[]): DailyCost[] {
  const byDate = new Map<string, DailyCost>();
  for (const row of rows) {
    const entry = byDate.get(row.date) ?? { date: row.date, amount: ZERO, estimated: false };
    entry.amount += row.amount;
    entry.estimated ||= row.estimated;
    byDate.set(row.date, entry);
  }
  return [...byDate.values()].sort((a, b) => a.date.localeCompare(b.date));
}

export function total(rows: CostRow[], from: string, to: string): Money {
  return sumMoney(rows.filter((r) => r.date >= from && r.date < to).map((r) => r.amount));
}
