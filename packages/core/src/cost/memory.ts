import type { CostExplorerClient } from "@aws-sdk/client-cost-explorer";
import type { Gate } from "../aws/pace.js";
import { addDays, daysBetween } from "./days.js";
import { type CostRow, dailyCostByStage } from "./explorer.js";

/**
 * One account's final daily spend, as Cost Explorer reported it once it stopped calling the days Estimated.
 * Final days do not change, so a later run asks only for the days it lacks; Estimated days are always asked.
 */
export interface CostMemory {
  /** The sst tags that were inactive when the days were read: activating one regroups the history. */
  inactiveTags: string[];
  /** Date → that day's rows; a day without spend has none. */
  days: Map<string, CostRow[]>;
}

/** How a window's rows were obtained. */
export interface CostFetch {
  rows: CostRow[];
  /** The window's final days, for the next run. */
  finalDays: Map<string, CostRow[]>;
  /** GetCostAndUsage pages requested. */
  pages: number;
  /** Days of the window asked of Cost Explorer and days taken from memory. */
  daysAsked: number;
  daysRemembered: number;
}

/** The remembered days, unless a tag was activated or deactivated since they were read. */
export function usableDays(
  previous: CostMemory | undefined,
  inactiveTags: string[],
): Map<string, CostRow[]> | undefined {
  const same = (a: string[], b: string[]) => [...a].sort().join("\n") === [...b].sort().join("\n");
  return previous && same(previous.inactiveTags, inactiveTags) ? previous.days : undefined;
}

/**
 * The rows of [start, end): the leading days memory holds are taken from it, Cost Explorer is asked from the
 * first day it lacks to the end (one contiguous series, so a gap costs a few days, never a request per day).
 */
export async function fetchWindow(
  client: CostExplorerClient,
  window: { start: string; end: string },
  remembered: ReadonlyMap<string, CostRow[]> | undefined,
  pages: Gate,
): Promise<CostFetch> {
  const rows: CostRow[] = [];
  const finalDays = new Map<string, CostRow[]>();
  let from = window.start;
  for (; from < window.end; from = addDays(from, 1)) {
    const day = remembered?.get(from);
    if (!day) break;
    rows.push(...day);
    finalDays.set(from, day);
  }
  const daysRemembered = daysBetween(window.start, from);
  if (from >= window.end) return { rows, finalDays, pages: 0, daysAsked: 0, daysRemembered };

  const series = await dailyCostByStage(client, from, window.end, pages);
  rows.push(...series.rows);
  for (const [date, estimated] of series.days) if (!estimated) finalDays.set(date, []);
  for (const row of series.rows) finalDays.get(row.date)?.push(row);
  return { rows, finalDays, pages: series.pages, daysAsked: daysBetween(from, window.end), daysRemembered };
}
