import type { AccountTarget } from "../aws/accounts.js";
import { costExplorerClient, describeError } from "../aws/clients.js";
import { spacedGate } from "../aws/pace.js";
import type { Money } from "../money/index.js";
import type { SourceFailure, StageCost } from "../stage/facts.js";
import { day, monthStart, nextMonthStart } from "./days.js";
import { accountForecast, type CostRow, inactiveCostTags } from "./explorer.js";
import { type CostMemory, fetchWindow, usableDays } from "./memory.js";
import { costWindow, summarise, total } from "./summary.js";

export type { CostMemory } from "./memory.js";

export interface AccountCost {
  account: string;
  monthToDate: Money;
  /** Month to date plus Cost Explorer's forecast for the rest of the month, when it answered. */
  forecast?: Money;
  /** Spend without the sst tags, month to date. */
  untagged: StageCost;
  /** sst tags that are not active cost allocation tags: costs cannot be grouped by them. */
  inactiveTags: string[];
}

export interface CostStats {
  /** GetCostAndUsage pages requested, over all accounts (each one billed US$0.01). */
  pages: number;
  daysAsked: number;
  daysRemembered: number;
}

export interface Costs {
  /** `${account}/${app}/${stage}` → figures. Cost Explorer groups by tags, not by region. */
  byStage: Map<string, StageCost>;
  accounts: AccountCost[];
  failures: SourceFailure[];
  /** Final days per account, for the next run; absent for an account whose costs could not be read. */
  memory: Map<string, CostMemory>;
  stats: CostStats;
}

export interface CostOptions {
  /** Final days remembered per account: only the days missing from it are asked of Cost Explorer. */
  memory?: ReadonlyMap<string, CostMemory> | PromiseLike<ReadonlyMap<string, CostMemory>>;
}

export function costKey(account: string, app: string, stage: string): string {
  return `${account}/${app}/${stage}`;
}

/**
 * GetCostAndUsage pages are read one at a time across accounts, this long apart: a page is tens of kilobytes of
 * JSON to parse, and the costs are needed only when the Tagging walks end (a walk has a page per 100 resources,
 * Cost Explorer one per 500 stage-days). Read all at once at the start, they slowed the longest walk by most of
 * a second at 2,000 stages.
 */
const PAGE_PAUSE_MS = 100;

/** Reads each account's costs: one grouped daily series, the tag status, and one forecast. */
export async function readCosts(
  accounts: AccountTarget[],
  now: Date,
  options: CostOptions = {},
): Promise<Costs> {
  const today = day(now);
  const window = costWindow(today);
  const costs: Costs = {
    byStage: new Map(),
    accounts: [],
    failures: [],
    memory: new Map(),
    stats: { pages: 0, daysAsked: 0, daysRemembered: 0 },
  };
  const pages = spacedGate(PAGE_PAUSE_MS);
  await Promise.all(
    accounts.map(async (target) => {
      const client = costExplorerClient({
        region: "us-east-1",
        ...(target.credentials ? { credentials: target.credentials } : {}),
      });
      try {
        const forecast = accountForecast(client, today, nextMonthStart(today)).catch(() => undefined);
        const tags = inactiveCostTags(client);
        // Its failure is handled below, when it is awaited; until then it must not count as unhandled.
        tags.catch(() => undefined);
        const previous = (await options.memory)?.get(target.account);
        // Memory is only good under the same tag status, so with memory the status is asked first.
        const remembered = previous ? usableDays(previous, await tags) : undefined;
        const [inactiveTags, { rows, finalDays, ...stats }] = await Promise.all([
          tags,
          fetchWindow(client, window, remembered, pages),
        ]);
        const memory: CostMemory = { inactiveTags, days: finalDays };
        costs.memory.set(target.account, memory);
        costs.stats.pages += stats.pages;
        costs.stats.daysAsked += stats.daysAsked;
        costs.stats.daysRemembered += stats.daysRemembered;
        const groups = new Map<string, CostRow[]>();
        for (const row of rows) {
          const key = row.app && row.stage ? costKey(target.account, row.app, row.stage) : "";
          const group = groups.get(key);
          if (group) group.push(row);
          else groups.set(key, [row]);
        }
        for (const [key, group] of groups) if (key) costs.byStage.set(key, summarise(group, today));
        const monthToDate = total(rows, monthStart(today), today);
        const rest = await forecast;
        costs.accounts.push({
          account: target.account,
          monthToDate,
          ...(rest !== undefined ? { forecast: monthToDate + rest } : {}),
          untagged: summarise(groups.get("") ?? [], today),
          inactiveTags,
        });
      } catch (error) {
        costs.failures.push({ source: "cost", account: target.account, message: describeError(error) });
      }
    }),
  );
  return costs;
}
