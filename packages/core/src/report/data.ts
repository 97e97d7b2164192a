import type { Config } from "../config/index.js";
import { readRecords } from "../ledger/runs.js";
import type { ParsedRun, RunStage } from "../ledger/snapshot.js";
import type { LedgerStore } from "../ledger/store.js";
import { type Money, sumMoney } from "../money/index.js";
import { type CostTotals, totalsOf as planTotals } from "../plan/index.js";
import type { Decision } from "../policy/index.js";
import {
  type FailedRemoval,
  HISTORY_DAYS,
  listRuns,
  previousRun,
  type Removal,
  removalsFrom,
  SnapshotReader,
  spendByApp,
  stageSeries,
  weekAgoRun,
} from "./history.js";

const DAY_MS = 86_400_000;

/** Everything the digest and the dashboard show: one run's snapshot and what the ledger adds to it. */
export interface ReportData extends ParsedRun {
  accounts: { id: string; regions: string[] }[];
  totals: {
    stages: number;
    byKind: Record<string, number>;
    byDecision: Record<Decision, number>;
    cost: CostTotals;
    untagged7Days: Money;
  };
  /** The run about 7 days earlier, for the week-on-week change. */
  weekAgo?: { at: Date; stages: number; last7Days: Money };
  /** The run before this one: "since the last digest" starts there (24 hours back without one). */
  since: Date;
  /** Removal outcomes within the dashboard's window (90 days), newest first. */
  removals: Removal[];
  failedRemovals: FailedRemoval[];
  /** Daily spend per app, oldest day first. */
  spend: { dates: string[]; apps: Map<string, Map<string, Money>> };
}

export function totalsOf(stages: readonly RunStage[]): Omit<ReportData["totals"], "untagged7Days"> {
  const { stages: count, byDecision, cost } = planTotals(stages);
  const byKind: Record<string, number> = {};
  for (const s of stages) byKind[s.kind] = (byKind[s.kind] ?? 0) + 1;
  return { stages: count, byKind, byDecision, cost };
}

/** Accounts from the config, else from what the plan saw. */
function accountsOf(snapshot: ParsedRun, config?: Config): ReportData["accounts"] {
  if (config && config.accounts.length > 0)
    return config.accounts.map((a) => ({ id: a.id, regions: a.regions }));
  const seen = new Map<string, Set<string>>();
  for (const s of snapshot.stages) seen.set(s.account, (seen.get(s.account) ?? new Set()).add(s.region));
  return [...seen]
    .map(([id, regions]) => ({ id, regions: [...regions].sort() }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** The report of one snapshot alone: no history (no ledger, or the ledger could not be read). */
export function reportWithoutHistory(snapshot: ParsedRun, config?: Config): ReportData {
  return {
    ...snapshot,
    accounts: accountsOf(snapshot, config),
    totals: {
      ...totalsOf(snapshot.stages),
      untagged7Days: sumMoney(snapshot.untagged.map((u) => u.last7Days)),
    },
    since: new Date(snapshot.at.getTime() - DAY_MS),
    removals: [],
    failedRemovals: [],
    spend: spendByApp(
      new Map(
        snapshot.stages.map((s) => [
          `${s.account}/${s.region}/${s.app}/${s.stage}`,
          new Map((s.cost?.daily ?? []).map((d) => [d.date, d.amount])),
        ]),
      ),
    ),
  };
}

/**
 * Adds the ledger's history to a snapshot: the run 7 days earlier, the previous run, daily spend over 90 days
 * from as few older snapshots as cover it, and removal outcomes from the stage records.
 */
export async function gatherReport(
  store: LedgerStore,
  snapshot: ParsedRun,
  config?: Config,
): Promise<ReportData> {
  const base = reportWithoutHistory(snapshot, config);
  const reader = new SnapshotReader(store);
  const [runs, records] = await Promise.all([listRuns(store), readRecords(store)]);
  const series = await stageSeries(reader, runs, snapshot);
  const weekRef = weekAgoRun(runs, snapshot.at);
  const week = weekRef && (await reader.read(weekRef.key));
  const windowStart = new Date(snapshot.at.getTime() - HISTORY_DAYS * DAY_MS);
  const outcomes = removalsFrom(
    [...records.values()].map((r) => r.value),
    series,
    windowStart,
  );
  return {
    ...base,
    ...(week
      ? {
          weekAgo: {
            at: week.at,
            stages: week.stages.length,
            last7Days: sumMoney(week.stages.map((s) => s.cost?.last7Days ?? 0n)),
          },
        }
      : {}),
    since: previousRun(runs, snapshot.at)?.at ?? base.since,
    removals: outcomes.removals,
    failedRemovals: outcomes.failed,
    spend: spendByApp(series),
  };
}
