import type { RunStage } from "../ledger/snapshot.js";
import { formatUsd, sumMoney } from "../money/index.js";
import { SLACK_ACTIONS, stageButtonValue } from "../slack/actions.js";
import { stageId } from "../stage/key.js";
import { type Block, block, MessageBuilder, MORE, type SlackMessage } from "./blocks.js";
import type { ReportData } from "./data.js";
import { avoidedPer30Days, cost7, count, esc, mention, place, stageName, utc } from "./format.js";
import { problems, watchList } from "./watch.js";

/** The thread under the digest: expiring stages with buttons, removals, problems, and the watch list. */
export function detailMessages(data: ReportData): SlackMessage[] {
  return [expiring(data), removals(data), problems(data), watchList(data)].filter(
    (m): m is SlackMessage => m !== undefined,
  );
}

const byId = (data: ReportData) => new Map(data.stages.map((s) => [stageId(s), s]));

function expiring(data: ReportData): SlackMessage | undefined {
  const stages = data.stages
    .filter((s) => s.decision === "expiring")
    .sort(
      (a, b) =>
        (a.removeAt?.getTime() ?? 0) - (b.removeAt?.getTime() ?? 0) ||
        Number((b.cost?.last7Days ?? 0n) - (a.cost?.last7Days ?? 0n)),
    );
  if (stages.length === 0) return undefined;
  const message = new MessageBuilder();
  const dry = data.dryRun ? " (dry run: nothing is removed while dryRun is on)" : "";
  message.add(
    block.section(
      `:hourglass_flowing_sand: *Expiring — ${count(stages.length, "stage")} will be removed unless kept*${dry}\n` +
        "_Keep 7 days_ holds a stage for a week; _Remove now_ asks you to confirm first.",
    ),
  );
  const shown = message.items(stages.map(expiringItem), MORE("expiring stages"));
  return message.message(`Expiring: ${count(stages.length, "stage")} (${shown} listed with buttons)`);
}

function expiringItem(stage: RunStage): Block[] {
  const owner = mention(stage.owner);
  // The reason already says when the stage goes and why; it is not italicised, as it may hold underscores.
  const text =
    `${stageName(stage)} · ${esc(stage.kind, 30)}${owner ? ` · ${owner}` : ""} · ${cost7(stage)} · ${place(stage)}\n` +
    `${esc(stage.reason, 400)}`;
  let value: string | undefined;
  try {
    value = stageButtonValue(stage);
  } catch {
    // A key that fails SST's name rules never gets a button: nothing can act on it anyway.
  }
  if (!value) return [block.section(text)];
  return [
    block.section(text),
    block.actions([
      block.button("Keep 7 days", SLACK_ACTIONS.keep7d, value, "primary"),
      block.button("Remove now", SLACK_ACTIONS.removeNow, value, "danger"),
    ]),
  ];
}

function removals(data: ReportData): SlackMessage | undefined {
  const stages = byId(data);
  const since = data.removals.filter((r) => r.at > data.since);
  const started = data.dryRun ? data.actions.wouldRemove : data.actions.started.map((s) => s.stage);
  const startedSet = new Set(started);
  const due = data.stages.filter((s) => s.decision === "remove" && !startedSet.has(stageId(s)));
  const removing = data.stages.filter((s) => s.decision === "removing");
  if (since.length + started.length + due.length + removing.length + data.actions.refused.length === 0)
    return undefined;
  const message = new MessageBuilder();
  const more = MORE();
  if (since.length > 0) {
    const avoided = sumMoney(
      since.flatMap((r) => (r.outcome === "removed" && r.last7Days ? [r.last7Days] : [])),
    );
    message.list(
      `:white_check_mark: *Removed since the last digest (${since.length})* — about ${formatUsd(avoidedPer30Days(avoided))} per 30 days avoided`,
      since.map((r) => {
        const saved =
          r.outcome === "not-found"
            ? "already gone"
            : r.last7Days === undefined
              ? "cost before removal unknown"
              : `${formatUsd(r.last7Days)} last 7 days → about ${formatUsd(avoidedPer30Days(r.last7Days))} per 30 days`;
        return `• ${stageName(r)} ${place(r)} — ${utc(r.at)}, by ${esc(r.by, 60)} · ${saved}`;
      }),
      more,
    );
  }
  if (started.length > 0) {
    const title = data.dryRun
      ? ":wastebasket: *Would be removed now (dry run)*"
      : ":wastebasket: *Removals started this run*";
    message.list(
      `${title} (${started.length})`,
      started.map((id) => {
        const s = stages.get(id);
        return s ? `• ${stageName(s)} ${place(s)} · ${cost7(s)}` : `• ${esc(id, 200)}`;
      }),
      more,
    );
  }
  if (due.length > 0) {
    const why = data.suspended ? ` — not started: ${esc(data.suspended, 300)}` : "";
    message.list(
      `:pause_button: *Due but not started (${due.length})*${why}`,
      due.map((s) => `• ${stageName(s)} ${place(s)} · ${cost7(s)}`),
      more,
    );
  }
  if (removing.length > 0) {
    message.list(
      `:arrows_counterclockwise: *In progress (${removing.length})*`,
      removing.map((s) => `• ${stageName(s)} ${place(s)} — ${esc(s.reason, 300)}`),
      more,
    );
  }
  if (data.actions.refused.length > 0) {
    message.list(
      `:no_entry: *Refused by the safety gate (${data.actions.refused.length})*`,
      data.actions.refused.map((r) => `• ${esc(r.stage, 200)} — ${esc(r.reason, 400)}`),
      more,
    );
  }
  return message.message(
    `Removals: ${since.length} removed since the last digest, ${started.length} ${data.dryRun ? "would start" : "started"}`,
  );
}
