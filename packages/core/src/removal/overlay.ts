import { currentAttempt, type StageRecord } from "../ledger/records.js";
import type { Plan, PlannedStage } from "../plan/index.js";
import { totalsOf } from "../plan/index.js";
import { formatTime } from "../policy/index.js";
import { stageId } from "../stage/key.js";

/**
 * What the ledger knows beyond the facts: removals in flight, removals that failed, and stages that
 * `sst remove` refused as protected. Pure: the plan's decisions are replaced where the ledger says so.
 */
export function overlayRecords(plan: Plan, records: ReadonlyMap<string, StageRecord>): Plan {
  const stages = plan.stages.map((stage): PlannedStage => {
    const record = records.get(stageId(stage));
    if (!record) return stage;
    if (record.claim) {
      const attempt = currentAttempt(record);
      const build = attempt?.buildId ? `; build ${attempt.buildId}` : "; waiting for the removal worker";
      return {
        ...stage,
        decision: "removing",
        reason: `removal ${record.claim} was claimed ${attempt ? formatTime(new Date(attempt.claimedAt)) : ""}${build}.`,
      };
    }
    if (record.status === "protected" && stage.decision !== "protected") {
      return {
        ...stage,
        decision: "protected",
        reason: `sst remove refused ${stage.stage}: its app's sst.config.ts protects it.`,
      };
    }
    if (record.status === "failed" && stage.decision !== "protected" && stage.decision !== "keep") {
      const last = record.attempts.at(-1);
      const link = last?.logUrl ? ` Log: ${last.logUrl}` : "";
      return {
        ...stage,
        decision: "failed",
        reason: `removing ${stage.stage} failed ${record.attempts.length} times (${last?.outcome ?? "failed"}: ${last?.message ?? "no message"}); a person must look at it.${link}`,
      };
    }
    return stage;
  });
  return { ...plan, stages, totals: totalsOf(stages) };
}
