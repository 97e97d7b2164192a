import type { Config } from "../config/index.js";
import type { Money } from "../money/index.js";
import type { Decision, KeepOverride, PullRequestState } from "../policy/index.js";
import type { Malformed, Protection, SourceFailure, StageCost, StageFacts } from "../stage/facts.js";
import type { StageKey } from "../stage/key.js";

/** Resources tagged with an app and stage for which no state exists at all (e.g. a deleted state bucket). */
export interface OrphanGroup extends StageKey {
  taggedResources: number;
}

/** Spend in an account that carries no `sst:stage` tag (filled in by the cost reader). */
export interface UntaggedCost {
  account: string;
  yesterday: Money;
  last7Days: Money;
  monthToDate: Money;
}

/** An `sst:app` / `sst:stage` cost allocation tag that is not active, and how to activate it. */
export interface CostTagWarning {
  account: string;
  tag: string;
  message: string;
}

/** Everything `decide` needs; `now` is an input so any moment can be previewed (`--now`). */
export interface DecideInput {
  facts: readonly StageFacts[];
  orphans: readonly OrphanGroup[];
  /** Keyed by `stageId()`. */
  costs: ReadonlyMap<string, StageCost>;
  /** Cost Explorer could not be read at all: every cost is blanked. */
  costFailure?: boolean;
  failures: readonly SourceFailure[];
  malformed: readonly Malformed[];
  /** Keep-until overrides by `stageId()`; one that has run out is ignored. */
  overrides?: ReadonlyMap<string, KeepOverride>;
  /** When each stage was last warned, by `stageId()`. */
  warned?: ReadonlyMap<string, Date>;
  /** Pull request state by `stageId()`; only `closed` counts. */
  prs?: ReadonlyMap<string, PullRequestState>;
  untagged?: readonly UntaggedCost[];
  costTags?: readonly CostTagWarning[];
  config: Config;
  now: Date;
}

export interface PlannedStage extends StageKey {
  kind: string;
  decision: Decision;
  reason: string;
  removeAt?: Date;
  /** When the kind's rule made the stage due (before the warning lead time). */
  expiresAt?: Date;
  protected: Protection;
  createdAt?: Date;
  lastDeployedAt?: Date;
  idleDays?: number;
  ageDays?: number;
  locked: boolean;
  lockedSince?: Date;
  resourceCount: number;
  taggedResources: number;
  /** Slack user of a personal stage, from `owners`. */
  owner?: string;
  /** Absent when Cost Explorer could not be read, or has no spend for the stage. */
  cost?: StageCost;
}

export interface CostTotals {
  yesterday: Money;
  last7Days: Money;
  monthToDate: Money;
  forecast: Money;
}

export interface PlanTotals {
  stages: number;
  byDecision: Record<Decision, number>;
  /** Sums over the stages that have a cost. */
  cost: CostTotals;
  /** The 7-day cost of the stages the plan removes or warns about. */
  reclaimable7Days: Money;
}

export interface Plan {
  generatedAt: Date;
  dryRun: boolean;
  stages: PlannedStage[];
  totals: PlanTotals;
  failures: SourceFailure[];
  malformed: Malformed[];
  untagged?: UntaggedCost[];
  costTags?: CostTagWarning[];
}
