import {
  type CostExplorerClient,
  GetCostAndUsageCommand,
  GetCostForecastCommand,
  ListCostAllocationTagsCommand,
} from "@aws-sdk/client-cost-explorer";
import type { Gate } from "../aws/pace.js";
import { type Money, parseMoney } from "../money/index.js";

export const APP_TAG = "sst:app";
export const STAGE_TAG = "sst:stage";

/** One day's spend of one (app, stage); app and stage are "" for spend without the tags. */
export interface CostRow {
  date: string;
  app: string;
  stage: string;
  amount: Money;
  estimated: boolean;
}

/** One account's grouped daily spend over a period, and which of its days Cost Explorer has made final. */
export interface DailySeries {
  rows: CostRow[];
  /** Every day the answer covered → whether it is still Estimated (a day may have no groups at all). */
  days: Map<string, boolean>;
  /** GetCostAndUsage requests made: pages, each billed US$0.01. */
  pages: number;
}

/**
 * Daily spend grouped by the `sst:app` and `sst:stage` tags, every page, over [start, end). One series per
 * account: each request costs US$0.01, so never one request per stage.
 */
export async function dailyCostByStage(
  client: CostExplorerClient,
  start: string,
  end: string,
  pages: Gate,
): Promise<DailySeries> {
  const series: DailySeries = { rows: [], days: new Map(), pages: 0 };
  let token: string | undefined;
  do {
    const page = await pages(() =>
      client.send(
        new GetCostAndUsageCommand({
          TimePeriod: { Start: start, End: end },
          Granularity: "DAILY",
          Metrics: ["UnblendedCost"],
          GroupBy: [
            { Type: "TAG", Key: APP_TAG },
            { Type: "TAG", Key: STAGE_TAG },
          ],
          ...(token ? { NextPageToken: token } : {}),
        }),
      ),
    );
    series.pages++;
    for (const result of page.ResultsByTime ?? []) {
      const date = result.TimePeriod?.Start ?? "";
      // A day split over two pages comes back on both; it is Estimated if either says so.
      series.days.set(date, (series.days.get(date) ?? false) || result.Estimated === true);
      for (const group of result.Groups ?? []) {
        const amount = group.Metrics?.UnblendedCost?.Amount;
        if (amount === undefined) continue;
        const [appKey = "", stageKey = ""] = group.Keys ?? [];
        series.rows.push({
          date,
          app: tagValue(appKey, APP_TAG),
          stage: tagValue(stageKey, STAGE_TAG),
          amount: parseMoney(amount),
          estimated: result.Estimated ?? false,
        });
      }
    }
    token = page.NextPageToken;
  } while (token);
  return series;
}

/** "sst:stage$pr-12" → "pr-12"; "sst:stage$" → "". A value may itself hold "$": split on the first only. */
function tagValue(groupKey: string, tag: string): string {
  return groupKey.startsWith(`${tag}$`) ? groupKey.slice(tag.length + 1) : "";
}

/** The account's forecast spend over [start, end), from Cost Explorer's own model. */
export async function accountForecast(
  client: CostExplorerClient,
  start: string,
  end: string,
): Promise<Money> {
  const { Total } = await client.send(
    new GetCostForecastCommand({
      TimePeriod: { Start: start, End: end },
      Metric: "UNBLENDED_COST",
      Granularity: "MONTHLY",
    }),
  );
  return parseMoney(Total?.Amount ?? "0");
}

/** The sst tags that are not active cost allocation tags (and so cannot group costs). */
export async function inactiveCostTags(client: CostExplorerClient): Promise<string[]> {
  const { CostAllocationTags = [] } = await client.send(
    new ListCostAllocationTagsCommand({ TagKeys: [APP_TAG, STAGE_TAG], MaxResults: 100 }),
  );
  const active = new Set(CostAllocationTags.filter((t) => t.Status === "Active").map((t) => t.TagKey));
  return [APP_TAG, STAGE_TAG].filter((tag) => !active.has(tag));
}
