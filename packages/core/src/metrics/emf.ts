import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { type Money, sumMoney } from "../money/index.js";
import type { Plan } from "../plan/index.js";
import { DECISIONS } from "../policy/index.js";
import type { ReportDelivery } from "../report/report.js";
import type { RunReport } from "../run/daily.js";
import { type CallCounter, countApiCalls } from "./calls.js";

/** The CloudWatch namespace of every Stagekeeper metric (dashboards/stagekeeper.json reads it). */
export const NAMESPACE = "Stagekeeper";
export const SERVICE = "stagekeeper";
/** Apps with their own spend metric; the rest are summed under OTHER_APPS (each dimension value costs money). */
export const APP_METRICS = 20;
export const OTHER_APPS = "(other apps)";

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

export interface MetricGroup {
  dimensions: Record<string, string>;
  metrics: { name: string; unit: Unit; value: number }[];
}

export interface RunFigures {
  durationMs: number;
  apiCalls: Record<string, number>;
  /** Removal outcomes recorded since the previous run. */
  outcomes?: { removed: number; failed: number };
  digestDelivered?: boolean;
}

const usd = (m: Money) => Number(m) / 1e10;

/** What a run emits, as dimension sets and their metrics. Pure, so tests and dashboards agree on names. */
export function runMetricGroups(report: RunReport, figures: RunFigures): MetricGroup[] {
  const plan: Plan = report.plan;
  const count = (name: string, value: number) => ({ name, unit: MetricUnit.Count, value });
  const byKind = new Map<string, number>();
  const spendByApp = new Map<string, Money>();
  for (const s of plan.stages) {
    byKind.set(s.kind, (byKind.get(s.kind) ?? 0) + 1);
    if (s.cost) spendByApp.set(s.app, (spendByApp.get(s.app) ?? 0n) + s.cost.monthToDate);
  }
  const apps = [...spendByApp].sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : 0));
  const shown = apps.slice(0, APP_METRICS);
  const rest = apps.slice(APP_METRICS);
  if (rest.length > 0) shown.push([OTHER_APPS, sumMoney(rest.map(([, v]) => v))]);
  const groups: MetricGroup[] = [
    {
      dimensions: {},
      metrics: [
        count("Stages", plan.stages.length),
        { name: "MonthToDateSpend", unit: MetricUnit.NoUnit, value: usd(plan.totals.cost.monthToDate) },
        { name: "ForecastSpend", unit: MetricUnit.NoUnit, value: usd(plan.totals.cost.forecast) },
        { name: "Last7DaysSpend", unit: MetricUnit.NoUnit, value: usd(plan.totals.cost.last7Days) },
        {
          name: "UntaggedSpend",
          unit: MetricUnit.NoUnit,
          value: usd(sumMoney((plan.untagged ?? []).map((u) => u.monthToDate))),
        },
        count("RemovalsStarted", report.started.length),
        count("RemovalsWouldStart", report.wouldRemove.length),
        count("RemovalsRefused", report.refused.length),
        count("RemovalsSucceeded", figures.outcomes?.removed ?? 0),
        count("RemovalsFailed", figures.outcomes?.failed ?? 0),
        count("Warned", report.warned.length),
        count("SourceFailures", plan.failures.length),
        count("RemovalsSuspended", report.suspended ? 1 : 0),
        { name: "RunDuration", unit: MetricUnit.Milliseconds, value: figures.durationMs },
        ...(figures.digestDelivered === undefined
          ? []
          : [count("DigestFailed", figures.digestDelivered ? 0 : 1)]),
      ],
    },
    ...[...byKind].map(([kind, n]) => ({ dimensions: { Kind: kind }, metrics: [count("Stages", n)] })),
    ...DECISIONS.map((d) => ({
      dimensions: { Decision: d },
      metrics: [count("Stages", plan.totals.byDecision[d])],
    })),
    ...shown.map(([app, v]) => ({
      dimensions: { App: app },
      metrics: [{ name: "MonthToDateSpend", unit: MetricUnit.NoUnit, value: usd(v) }],
    })),
    ...Object.entries(figures.apiCalls).map(([service, n]) => ({
      dimensions: { Service: service },
      metrics: [count("ApiCalls", n)],
    })),
  ];
  return groups;
}

/** Inside Lambda only: the CLI's standard output stays the command's own. */
export function inLambda(): boolean {
  return Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME);
}

/** Writes the groups as EMF lines (one per dimension set) through Powertools; nothing outside Lambda. */
export function emitMetrics(groups: MetricGroup[]): boolean {
  if (!inLambda()) return false;
  for (const group of groups) {
    if (group.metrics.length === 0) continue;
    const metrics = new Metrics({ namespace: NAMESPACE, serviceName: SERVICE });
    for (const [name, value] of Object.entries(group.dimensions)) metrics.addDimension(name, value);
    for (const m of group.metrics) metrics.addMetric(m.name, m.unit, m.value);
    metrics.publishStoredMetrics();
  }
  return true;
}

/** Start when the run starts; `publish` when it ends: duration, API calls per service, and the run's figures. */
export function startRunMetrics(clock: () => number = Date.now): {
  calls: CallCounter;
  publish(report: RunReport, delivery?: ReportDelivery): boolean;
} {
  const started = clock();
  const calls = countApiCalls();
  return {
    calls,
    publish(report, delivery) {
      const figures: RunFigures = {
        durationMs: clock() - started,
        apiCalls: calls.stop(),
        ...(delivery
          ? { outcomes: delivery.outcomes, digestDelivered: delivery.digest.status !== "pending" }
          : {}),
      };
      return emitMetrics(runMetricGroups(report, figures));
    },
  };
}
