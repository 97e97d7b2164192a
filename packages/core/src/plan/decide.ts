import { sumMoney } from "../money/index.js";
import { DECISIONS, type Decision, decideStage, wholeDaysSince } from "../policy/index.js";
import type { SourceFailure, StageFacts } from "../stage/facts.js";
import { stageId } from "../stage/key.js";
import { applyRemovalCap } from "./cap.js";
import type { CostTotals, DecideInput, OrphanGroup, Plan, PlannedStage, PlanTotals } from "./types.js";

/** Turns facts, costs, config and a clock into a plan. Pure: same input, same plan. */
export function decide(input: DecideInput): Plan {
  const { config, now } = input;
  const stages = withOrphans(input.facts, input.orphans).map((facts): PlannedStage => {
    const id = stageId(facts);
    const verdict = decideStage({
      facts,
      config,
      now,
      override: input.overrides?.get(id),
      warnedAt: input.warned?.get(id),
      pr: input.prs?.get(id),
      failures: input.failures,
    });
    const since = facts.lastDeployedAt ?? facts.createdAt;
    return {
      account: facts.account,
      region: facts.region,
      app: facts.app,
      stage: facts.stage,
      kind: verdict.kind,
      decision: verdict.decision,
      reason: verdict.reason,
      removeAt: verdict.removeAt,
      expiresAt: verdict.expiresAt,
      protected: facts.protect,
      createdAt: facts.createdAt,
      lastDeployedAt: facts.lastDeployedAt,
      idleDays: since && wholeDaysSince(since, now),
      ageDays: facts.createdAt && wholeDaysSince(facts.createdAt, now),
      locked: facts.lock !== undefined,
      lockedSince: facts.lock?.createdAt,
      resourceCount: facts.resourceCount,
      taggedResources: facts.taggedResources,
      owner: Object.hasOwn(config.owners, facts.stage) ? config.owners[facts.stage] : undefined,
      cost: costBlanked(input, facts.account) ? undefined : input.costs.get(id),
    };
  });
  const capped = applyRemovalCap(stages, config.maxRemovalsPerRun).sort(displayOrder);
  return {
    generatedAt: now,
    dryRun: config.dryRun,
    stages: capped,
    totals: totalsOf(capped),
    failures: [...input.failures],
    malformed: [...input.malformed],
    untagged: input.untagged && [...input.untagged],
    costTags: input.costTags && [...input.costTags],
  };
}

/** Tagged groups with no state at all become stages with no live state, so the policy reports them. */
function withOrphans(facts: readonly StageFacts[], orphans: readonly OrphanGroup[]): StageFacts[] {
  const known = new Set(facts.map(stageId));
  const extra = orphans
    .filter((orphan) => !known.has(stageId(orphan)))
    .map(
      (orphan): StageFacts => ({
        account: orphan.account,
        region: orphan.region,
        app: orphan.app,
        stage: orphan.stage,
        live: false,
        protect: "unknown",
        resourceCount: 0,
        resourceTypes: {},
        taggedResources: orphan.taggedResources,
      }),
    );
  return [...facts, ...extra];
}

function costBlanked(input: DecideInput, account: string): boolean {
  return (
    input.costFailure === true ||
    input.failures.some((f: SourceFailure) => f.source === "cost" && f.account === account)
  );
}

function displayOrder(a: PlannedStage, b: PlannedStage): number {
  const keyA = [a.app, a.stage, a.account, a.region];
  const keyB = [b.app, b.stage, b.account, b.region];
  for (let i = 0; i < keyA.length; i++) {
    const x = keyA[i] ?? "";
    const y = keyB[i] ?? "";
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** What stages add up to: counts per decision, and the sums over those that have a cost (plan or report). */
export function totalsOf(
  stages: readonly { decision: Decision; cost?: CostTotals | undefined }[],
): PlanTotals {
  const byDecision = Object.fromEntries(DECISIONS.map((d) => [d, 0])) as Record<Decision, number>;
  for (const stage of stages) byDecision[stage.decision] += 1;
  const costs = stages.flatMap((stage) => (stage.cost ? [stage.cost] : []));
  const sum = (pick: (cost: CostTotals) => bigint) => sumMoney(costs.map(pick));
  const reclaimable = stages.filter((s) => s.decision === "remove" || s.decision === "expiring");
  return {
    stages: stages.length,
    byDecision,
    cost: {
      yesterday: sum((c) => c.yesterday),
      last7Days: sum((c) => c.last7Days),
      monthToDate: sum((c) => c.monthToDate),
      forecast: sum((c) => c.forecast),
    },
    reclaimable7Days: sumMoney(reclaimable.map((s) => s.cost?.last7Days ?? 0n)),
  };
}
