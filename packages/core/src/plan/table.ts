import { formatUsd, type Money } from "../money/index.js";
import { DECISIONS, formatTime } from "../policy/index.js";
import type { Plan, PlannedStage } from "./types.js";

/** Groups in the order a reader acts on them: what goes, what is about to, what needs a look, the rest. */
const GROUP_ORDER = DECISIONS;
const NUMERIC = new Set(["AGE", "IDLE", "7-DAY COST", "MONTH TO DATE"]);

// Names reaching a terminal may come from tags nobody validated: no control characters, bounded length.
const cell = (text: string, max = 60): string => {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing control characters is the point
  const flat = text.replace(/[\u0000-\u001f\u007f]/g, "?");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};
const days = (value: number | undefined): string => (value === undefined ? "-" : `${value}d`);
const usd = (value: Money | undefined, estimated = false): string =>
  value === undefined ? "-" : `${formatUsd(value)}${estimated ? "*" : ""}`;

function row(stage: PlannedStage, withPlace: boolean): string[] {
  const place = withPlace ? [`${stage.account}/${stage.region}`] : [];
  return [
    ...place,
    cell(stage.app),
    cell(stage.stage),
    cell(stage.kind),
    days(stage.ageDays),
    days(stage.idleDays),
    usd(stage.cost?.last7Days, stage.cost?.estimated),
    usd(stage.cost?.monthToDate, stage.cost?.estimated),
    stage.decision,
    cell(stage.reason, 400),
  ];
}

function layout(rows: string[][], header: string[]): (cells: string[]) => string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((r) => (r[i] ?? "").length)));
  return (cells) =>
    cells
      .map((text, i) => {
        if (i === cells.length - 1) return text;
        const width = widths[i] ?? 0;
        return NUMERIC.has(header[i] ?? "") ? text.padStart(width) : text.padEnd(width);
      })
      .join("  ");
}

/** The plan for people: one table per decision, columns aligned across tables, then totals and problems. */
export function renderPlanTable(plan: Plan): string {
  const places = new Set(plan.stages.map((s) => `${s.account}/${s.region}`));
  const withPlace = places.size > 1;
  const header = [
    ...(withPlace ? ["ACCOUNT/REGION"] : []),
    ...["APP", "STAGE", "KIND", "AGE", "IDLE", "7-DAY COST", "MONTH TO DATE", "DECISION", "REASON"],
  ];
  const rows = new Map(plan.stages.map((stage) => [stage, row(stage, withPlace)]));
  const line = layout([...rows.values()], header);
  const mode = plan.dryRun ? "dry run: nothing will be changed" : "live: removals will start";
  const out = [`Stagekeeper plan for ${formatTime(plan.generatedAt)} (${mode})`, ""];
  if (plan.stages.length === 0) out.push("No SST stages found.", "");
  for (const decision of GROUP_ORDER) {
    const group = plan.stages.filter((stage) => stage.decision === decision);
    if (group.length === 0) continue;
    out.push(`${decision.toUpperCase()} (${group.length})`, `  ${line(header)}`);
    for (const stage of group) out.push(`  ${line(rows.get(stage) ?? [])}`.trimEnd());
    out.push("");
  }
  out.push(...totalsLines(plan), ...problemLines(plan));
  return `${out.join("\n").trimEnd()}\n`;
}

function totalsLines(plan: Plan): string[] {
  const { totals } = plan;
  const counts = GROUP_ORDER.filter((d) => totals.byDecision[d] > 0).map(
    (d) => `${totals.byDecision[d]} ${d}`,
  );
  const lines = [
    `Totals: ${totals.stages} stage${totals.stages === 1 ? "" : "s"}${counts.length ? ` (${counts.join(", ")})` : ""}`,
    `  cost yesterday ${usd(totals.cost.yesterday)}, last 7 days ${usd(totals.cost.last7Days)}, month to date ${usd(totals.cost.monthToDate)}, month-end forecast ${usd(totals.cost.forecast)}`,
    `  removing or expiring stages cost ${usd(totals.reclaimable7Days)} over the last 7 days`,
  ];
  if (plan.stages.some((s) => s.cost?.estimated)) {
    lines.push("  * includes estimated days: Cost Explorer data lags about 24 hours");
  }
  for (const u of plan.untagged ?? []) {
    lines.push(
      `  untagged spend in ${u.account}: last 7 days ${usd(u.last7Days)}, month to date ${usd(u.monthToDate)}`,
    );
  }
  return lines;
}

function problemLines(plan: Plan): string[] {
  const lines: string[] = [];
  if (plan.failures.length > 0) {
    lines.push("", "Failed reads (stages there are never removed this run; costs may be missing):");
    for (const f of plan.failures) {
      lines.push(`  - ${f.source} ${f.account}${f.region ? `/${f.region}` : ""}: ${cell(f.message, 200)}`);
    }
  }
  if (plan.malformed.length > 0) {
    lines.push("", "Malformed (reported, never acted on):");
    for (const m of plan.malformed) {
      lines.push(`  - ${m.account}/${m.region} ${cell(m.location, 120)}: ${cell(m.problem, 200)}`);
    }
  }
  if (plan.costTags && plan.costTags.length > 0) {
    lines.push("", "Cost allocation tags:");
    for (const t of plan.costTags) lines.push(`  - ${t.account} ${cell(t.tag)}: ${cell(t.message, 300)}`);
  }
  return lines;
}
