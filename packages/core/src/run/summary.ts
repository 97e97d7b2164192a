import type { PlannedStage } from "../plan/index.js";
import { renderPlanTable } from "../plan/index.js";
import { formatTime } from "../policy/index.js";
import type { RunReport } from "./daily.js";

const name = (s: PlannedStage) => `${s.app}/${s.stage} (${s.account}/${s.region})`;

/** What a run did, for a terminal: the actions first, then the plan they came from. */
export function renderRunSummary(report: RunReport): string {
  const lines: string[] = [];
  if (report.dryRun) lines.push("DRY RUN: nothing was changed; this is what would happen.");
  if (report.suspended) lines.push(`Removals suspended for this run: ${report.suspended}.`);
  const warnVerb = report.dryRun ? "Would warn" : "Warned";
  for (const s of report.warned) {
    lines.push(`${warnVerb} ${name(s)}: removal at ${s.removeAt ? formatTime(s.removeAt) : "the next run"}.`);
  }
  for (const { stage, removalId } of report.started)
    lines.push(`Removal started: ${name(stage)} (removal ${removalId}).`);
  for (const s of report.wouldRemove) lines.push(`Would remove ${name(s)}.`);
  for (const { stage, reason } of report.refused)
    lines.push(`Refused by the safety gate: ${name(stage)}: ${reason}`);
  if (lines.length === 0) lines.push("Nothing to do today.");
  return `${lines.join("\n")}\n\n${renderPlanTable(report.plan)}`;
}
