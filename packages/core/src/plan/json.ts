import { moneyToString } from "../money/index.js";
import type { Decision } from "../policy/index.js";
import type { Malformed, Protection, SourceFailure, StageCost } from "../stage/facts.js";
import type { CostTotals, Plan, PlannedStage } from "./types.js";

/**
 * The `--json` form of a plan, documented in docs/plan-schema.md. Fields are always present (null when
 * unknown) so consumers need no existence checks; money is an exact decimal string, times are ISO 8601 UTC.
 * Adding a field keeps schemaVersion; renaming, removing or retyping one bumps it.
 */
export const PLAN_SCHEMA_VERSION = 1;

export interface CostTotalsJson {
  yesterday: string;
  last7Days: string;
  monthToDate: string;
  forecast: string;
}

export interface StageCostJson extends CostTotalsJson {
  estimated: boolean;
  daily: { date: string; amount: string; estimated: boolean }[];
}

export interface PlannedStageJson {
  account: string;
  region: string;
  app: string;
  stage: string;
  kind: string;
  decision: Decision;
  reason: string;
  removeAt: string | null;
  expiresAt: string | null;
  protected: Protection;
  createdAt: string | null;
  lastDeployedAt: string | null;
  idleDays: number | null;
  ageDays: number | null;
  locked: boolean;
  lockedSince: string | null;
  resourceCount: number;
  taggedResources: number;
  owner: string | null;
  cost: StageCostJson | null;
}

export interface PlanJson {
  schemaVersion: typeof PLAN_SCHEMA_VERSION;
  generatedAt: string;
  dryRun: boolean;
  stages: PlannedStageJson[];
  totals: {
    stages: number;
    byDecision: Record<Decision, number>;
    cost: CostTotalsJson;
    reclaimable7Days: string;
  };
  failures: { source: SourceFailure["source"]; account: string; region: string | null; message: string }[];
  malformed: Malformed[];
  untagged: ({ account: string } & Omit<CostTotalsJson, "forecast">)[] | null;
  costTags: { account: string; tag: string; message: string }[] | null;
}

const iso = (time: Date | undefined): string | null => (time ? time.toISOString() : null);

function totalsJson(cost: CostTotals): CostTotalsJson {
  return {
    yesterday: moneyToString(cost.yesterday),
    last7Days: moneyToString(cost.last7Days),
    monthToDate: moneyToString(cost.monthToDate),
    forecast: moneyToString(cost.forecast),
  };
}

function costJson(cost: StageCost | undefined): StageCostJson | null {
  if (!cost) return null;
  return {
    ...totalsJson(cost),
    estimated: cost.estimated,
    daily: cost.daily.map((day) => ({
      date: day.date,
      amount: moneyToString(day.amount),
      estimated: day.estimated,
    })),
  };
}

function stageJson(stage: PlannedStage): PlannedStageJson {
  return {
    account: stage.account,
    region: stage.region,
    app: stage.app,
    stage: stage.stage,
    kind: stage.kind,
    decision: stage.decision,
    reason: stage.reason,
    removeAt: iso(stage.removeAt),
    expiresAt: iso(stage.expiresAt),
    protected: stage.protected,
    createdAt: iso(stage.createdAt),
    lastDeployedAt: iso(stage.lastDeployedAt),
    idleDays: stage.idleDays ?? null,
    ageDays: stage.ageDays ?? null,
    locked: stage.locked,
    lockedSince: iso(stage.lockedSince),
    resourceCount: stage.resourceCount,
    taggedResources: stage.taggedResources,
    owner: stage.owner ?? null,
    cost: costJson(stage.cost),
  };
}

/** A JSON-ready object (not a string): `JSON.stringify(planToJson(plan), null, 2)` prints it. */
export function planToJson(plan: Plan): PlanJson {
  return {
    schemaVersion: PLAN_SCHEMA_VERSION,
    generatedAt: plan.generatedAt.toISOString(),
    dryRun: plan.dryRun,
    stages: plan.stages.map(stageJson),
    totals: {
      stages: plan.totals.stages,
      byDecision: { ...plan.totals.byDecision },
      cost: totalsJson(plan.totals.cost),
      reclaimable7Days: moneyToString(plan.totals.reclaimable7Days),
    },
    failures: plan.failures.map((f) => ({
      source: f.source,
      account: f.account,
      region: f.region ?? null,
      message: f.message,
    })),
    malformed: plan.malformed.map((m) => ({
      account: m.account,
      region: m.region,
      location: m.location,
      problem: m.problem,
    })),
    untagged:
      plan.untagged?.map((u) => ({
        account: u.account,
        yesterday: moneyToString(u.yesterday),
        last7Days: moneyToString(u.last7Days),
        monthToDate: moneyToString(u.monthToDate),
      })) ?? null,
    costTags: plan.costTags?.map((t) => ({ account: t.account, tag: t.tag, message: t.message })) ?? null,
  };
}
