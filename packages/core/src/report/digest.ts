import { formatUsd, sumMoney } from "../money/index.js";
import { block, MessageBuilder, type SlackMessage } from "./blocks.js";
import type { ReportData } from "./data.js";
import {
  avoidedPer30Days,
  change,
  count,
  esc,
  longDate,
  place,
  slackLink,
  stageName,
  utc,
} from "./format.js";
import { detailMessages } from "./thread.js";

export interface DigestOptions {
  /** The HTML dashboard (a presigned URL, or config.slack.dashboardUrl). */
  dashboardUrl?: string;
  /** Why there is no dashboard link, when there is none. */
  dashboardNote?: string;
  /** Stages listed among the top spenders. */
  topSpenders?: number;
}

/** The digest: one top-level message, and the details as replies in its thread. */
export interface Digest extends SlackMessage {
  thread: SlackMessage[];
}

/** The daily digest as Block Kit messages, each within Slack's limits whatever the size of the estate. */
export function digestBlocks(data: ReportData, options: DigestOptions = {}): Digest {
  const thread = detailMessages(data);
  const top = new MessageBuilder();
  top.add(block.header(`Stagekeeper digest · ${longDate(data.at)}`));
  if (data.dryRun) {
    top.add(
      block.section(
        ":test_tube: *Dry run* — Stagekeeper changed nothing. Everything below is what it *would* do; " +
          "set `dryRun: false` in the config when the plan looks right.",
      ),
    );
  }
  if (data.suspended)
    top.add(block.section(`:octagonal_sign: *Removals suspended this run:* ${esc(data.suspended, 600)}`));
  const accounts = data.accounts.map((a) => `${a.id} (${a.regions.join(", ")})`).join(" · ");
  top.add(
    block.context([
      `*Accounts:* ${esc(accounts, 1500) || "none"}`,
      `Run ${utc(data.at)} · cost data lags about 24 hours`,
    ]),
  );
  top.add(block.fields(totalsFields(data)));
  const kinds = Object.entries(data.totals.byKind)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([kind, n]) => `${esc(kind, 40)} ${n.toLocaleString("en-US")}`);
  if (kinds.length > 0) top.add(block.section(`*Stages by kind:* ${kinds.slice(0, 30).join(" · ")}`));
  const spenders = [...data.stages]
    .filter((s) => s.cost && s.cost.last7Days > 0n)
    .sort((a, b) => Number((b.cost?.last7Days ?? 0n) - (a.cost?.last7Days ?? 0n)))
    .slice(0, options.topSpenders ?? 5)
    .map(
      (s, i) =>
        `${i + 1}. ${stageName(s)} — ${formatUsd(s.cost?.last7Days ?? 0n)} · ${esc(s.kind, 30)} · ${s.decision} · ${place(s)}`,
    );
  if (spenders.length > 0) top.add(block.section(`*Top spenders, last 7 days*\n${spenders.join("\n")}`));
  const today = todayLines(data);
  if (today.length > 0) top.add(block.section(`*Today*\n${today.join("\n")}`));
  for (const warning of data.costTags.slice(0, 3)) {
    top.add(
      block.section(
        `:warning: *Cost allocation tag \`${esc(warning.tag, 40)}\` is not active in ${esc(warning.account, 20)}* — ` +
          `spend cannot be split by stage until it is. ${esc(warning.message, 800)}`,
      ),
    );
  }
  const link = options.dashboardUrl && options.dashboardUrl.length < 2800 ? options.dashboardUrl : undefined;
  top.addLast(
    block.section(
      link
        ? `:bar_chart: ${slackLink(link, "Open the dashboard")} — spend charts and every stage, sortable and filterable.`
        : `:bar_chart: Dashboard: ${esc(options.dashboardNote ?? "not published this run", 500)}`,
    ),
  );
  if (thread.length > 0)
    top.addLast(block.context(["Details, owners and buttons are in the thread :thread:"]));
  return { ...top.message(summaryText(data)), thread };
}

function totalsFields(data: ReportData): string[] {
  const { totals, weekAgo } = data;
  const stageDelta = weekAgo ? totals.stages - weekAgo.stages : undefined;
  const stageChange =
    stageDelta === undefined
      ? ""
      : ` (${stageDelta === 0 ? "same as" : `${stageDelta > 0 ? "+" : ""}${stageDelta} vs`} 7 days ago)`;
  const weekChange = weekAgo ? change(totals.cost.last7Days, weekAgo.last7Days) : undefined;
  return [
    `*Stages*\n${totals.stages.toLocaleString("en-US")}${stageChange}`,
    `*Month to date*\n${formatUsd(totals.cost.monthToDate)}`,
    `*Last 7 days*\n${formatUsd(totals.cost.last7Days)}${weekChange ? ` (${weekChange} vs the run 7 days ago)` : weekAgo ? "" : " (no run 7 days ago to compare)"}`,
    `*Month-end forecast*\n${formatUsd(totals.cost.forecast)}`,
    `*Untagged, last 7 days*\n${formatUsd(totals.untagged7Days)}`,
    `*Reclaimable*\n${formatUsd(sumMoney(data.stages.filter((s) => s.decision === "expiring" || s.decision === "remove").map((s) => s.cost?.last7Days ?? 0n)))} / 7 days`,
  ];
}

/** One line per kind of thing that happened or needs doing, with counts; the thread has the details. */
function todayLines(data: ReportData): string[] {
  const d = data.totals.byDecision;
  const removedSince = data.removals.filter((r) => r.at > data.since);
  const avoided = sumMoney(
    removedSince.flatMap((r) => (r.outcome === "removed" && r.last7Days ? [r.last7Days] : [])),
  );
  const started = data.dryRun ? data.actions.wouldRemove.length : data.actions.started.length;
  const needPerson = d.failed + data.failures.length + data.malformed.length + data.actions.refused.length;
  const lines = [
    d.expiring > 0 &&
      `:hourglass_flowing_sand: ${count(d.expiring, "stage")} expiring — owners are mentioned in the thread; keep or remove there`,
    started > 0 &&
      `:wastebasket: ${count(started, data.dryRun ? "removal would start" : "removal started", data.dryRun ? "removals would start" : "removals started")}`,
    removedSince.length > 0 &&
      `:white_check_mark: ${count(removedSince.length, "stage")} removed since the last digest, avoiding about ${formatUsd(avoidedPer30Days(avoided))} per 30 days`,
    d.removing > 0 && `:arrows_counterclockwise: ${count(d.removing, "removal")} in progress`,
    needPerson > 0 && `:rotating_light: ${count(needPerson, "problem needs", "problems need")} a person`,
    d.locked + d.orphaned + d.unknown > 0 &&
      `:eyes: ${d.locked} locked · ${d.orphaned} orphaned · ${d.unknown} unknown`,
  ];
  return lines.filter((l): l is string => typeof l === "string");
}

function summaryText(data: ReportData): string {
  const d = data.totals.byDecision;
  const mode = data.dryRun ? " (dry run)" : "";
  return (
    `Stagekeeper digest ${data.at.toISOString().slice(0, 10)}${mode}: ${count(data.totals.stages, "stage")}, ` +
    `${formatUsd(data.totals.cost.monthToDate)} month to date, ${d.expiring} expiring, ${d.failed} failed.`
  );
}
