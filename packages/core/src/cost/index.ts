import type { AccountTarget } from "../aws/accounts.js";
import { clients, describeError } from "../aws/clients.js";
import type { Money } from "../money/index.js";
import type { SourceFailure, StageCost } from "../stage/facts.js";
import { day, monthStart, nextMonthStart } from "./days.js";
import { accountForecast, type CostRow, dailyCostByStage, inactiveCostTags } from "./explorer.js";
import { costWindow, summarise, total } from "./summary.js";

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

export interface Costs {
  /** `${account}/${app}/${stage}` → figures. Cost Explorer groups by tags, not by region. */
  byStage: Map<string, StageCost>;
  accounts: AccountCost[];
  failures: SourceFailure[];
}

export function costKey(account: string, app: string, stage: string): string {
  return `${account}/${app}/${stage}`;
}

/** Reads each account's costs: one grouped daily series, the tag status, and one forecast. */
export async function readCosts(accounts: AccountTarget[], now: Date): Promise<Costs> {
  const today = day(now);
  const window = costWindow(today);
  const costs: Costs = { byStage: new Map(), accounts: [], failures: [] };
  await Promise.all(
    accounts.map(async (target) => {
      const client = clients.costExplorer({
        region: "us-east-1",
        ...(target.credentials ? { credentials: target.credentials } : {}),
      });
      try {
        const [rows, inactiveTags] = await Promise.all([
          dailyCostByStage(client, window.start, window.end),
          inactiveCostTags(client),
        ]);
        const forecast = await accountForecast(client, today, nextMonthStart(today)).catch(() => undefined);
        const groups = new Map<string, CostRow[]>();
        for (const row of rows) {
          const key = row.app && row.stage ? costKey(target.account, row.app, row.stage) : "";
          const group = groups.get(key);
          if (group) group.push(row);
          else groups.set(key, [row]);
        }
        for (const [key, group] of groups) if (key) costs.byStage.set(key, summarise(group, today));
        const monthToDate = total(rows, monthStart(today), today);
        costs.accounts.push({
          account: target.account,
          monthToDate,
          ...(forecast !== undefined ? { forecast: monthToDate + forecast } : {}),
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
