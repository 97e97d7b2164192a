import { stageId } from "../stage/key.js";
import type { PlannedStage } from "./types.js";

/**
 * The order in which due stages claim the per-run removal slots: the longest overdue first, then the
 * most expensive over the last 7 days, then the stage id, so the same estate always yields the same plan.
 */
export function removalOrder(a: PlannedStage, b: PlannedStage): number {
  const expiry = (a.expiresAt?.getTime() ?? 0) - (b.expiresAt?.getTime() ?? 0);
  if (expiry !== 0) return expiry;
  const costA = a.cost?.last7Days ?? 0n;
  const costB = b.cost?.last7Days ?? 0n;
  if (costA !== costB) return costA > costB ? -1 : 1;
  const idA = stageId(a);
  const idB = stageId(b);
  return idA < idB ? -1 : idA > idB ? 1 : 0;
}

/** At most `max` removals per run; the rest stay `expiring` and are picked up by a later run. */
export function applyRemovalCap(stages: readonly PlannedStage[], max: number): PlannedStage[] {
  const removals = stages.filter((stage) => stage.decision === "remove").sort(removalOrder);
  const deferred = new Set(removals.slice(max));
  return stages.map((stage) =>
    deferred.has(stage)
      ? {
          ...stage,
          decision: "expiring",
          reason: `${stage.stage} is due for removal but deferred by the per-run cap (${max}); a later run removes it.`,
        }
      : stage,
  );
}
