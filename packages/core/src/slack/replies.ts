import type { ParsedRun, RunStage } from "../ledger/snapshot.js";
import { formatUsd, sumMoney } from "../money/index.js";
import { formatTime } from "../policy/index.js";
import { stageId } from "../stage/key.js";
import { escapeMrkdwn, USAGE } from "./command.js";
import { monthlyRate } from "./snapshot.js";

export type Block = Record<string, unknown>;

/** What Slack shows: the synchronous answer to a command, or a body posted to a response_url. */
export interface SlackReply {
  response_type?: "ephemeral" | "in_channel";
  text: string;
  blocks?: Block[];
  replace_original?: boolean;
  delete_original?: boolean;
}

/** Slack's section text limit is 3000; lines are packed into sections below it. */
const SECTION_MAX = 2900;
/** Slack allows 50 blocks a message; a long list stops well before. */
const LIST_MAX_LINES = 100;

export const section = (text: string): Block => ({ type: "section", text: { type: "mrkdwn", text } });
export const context = (text: string): Block => ({ type: "context", elements: [{ type: "mrkdwn", text }] });

export function ephemeral(text: string, blocks?: Block[]): SlackReply {
  return { response_type: "ephemeral", text, ...(blocks ? { blocks } : {}) };
}

/** A short answer to bad input: what was wrong, then how to use /stages. */
export function helpReply(problem?: string): SlackReply {
  const head = problem ? `${problem}\n` : "";
  return ephemeral(`${head}${USAGE.map((line) => `• ${line}`).join("\n")}`);
}

export function noSnapshotReply(): SlackReply {
  return ephemeral(
    "No run has been recorded yet: the daily run writes the first snapshot that /stages reads.",
  );
}

/** `shop/pr-12`, with the account and region only when they are needed to tell stages apart. */
export function stageLabel(stage: RunStage, full = false): string {
  return full ? stageId(stage) : `${stage.app}/${stage.stage}`;
}

export function candidatesReply(typed: string, candidates: RunStage[], snapshot: ParsedRun): SlackReply {
  if (candidates.length === 0) {
    return ephemeral(
      `No stage \`${escapeMrkdwn(typed)}\` in the latest run (${formatTime(snapshot.at)}). Try \`/stages list\`.`,
    );
  }
  const shownCandidates = candidates.slice(0, 20).map((s) => `• \`${stageId(s)}\``);
  const more = candidates.length > 20 ? `\n…and ${candidates.length - 20} more` : "";
  return ephemeral(
    `\`${escapeMrkdwn(typed)}\` matches ${candidates.length} stages; name one of them:\n${shownCandidates.join("\n")}${more}`,
  );
}

/** The stages of the latest run, filtered by app and/or kind. */
export function listReply(snapshot: ParsedRun, filters: { app?: string; kind?: string }): SlackReply {
  const stages = snapshot.stages
    .filter(
      (s) =>
        (filters.app === undefined || s.app === filters.app) &&
        (filters.kind === undefined || s.kind === filters.kind),
    )
    .map((s) => ({ id: stageId(s), s }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map(({ s }) => s);
  const what = [filters.app && `app ${filters.app}`, filters.kind && `kind ${filters.kind}`]
    .filter(Boolean)
    .join(", ");
  const title = `*${stages.length} stage${stages.length === 1 ? "" : "s"}*${what ? ` (${what})` : ""} in the run of ${formatTime(snapshot.at)}`;
  if (stages.length === 0) return ephemeral(`${title}.`);
  const lines = stages.slice(0, LIST_MAX_LINES).map((s) => {
    const cost = s.cost ? `${formatUsd(s.cost.last7Days)} / 7 days` : "no cost data";
    return `• \`${s.app}/${s.stage}\` ${s.kind} · ${s.decision} · ${cost} · ${s.account}/${s.region}`;
  });
  const blocks: Block[] = [section(title)];
  let chunk = "";
  for (const line of lines) {
    if (chunk && chunk.length + line.length + 1 > SECTION_MAX) {
      blocks.push(section(chunk));
      chunk = "";
    }
    chunk = chunk ? `${chunk}\n${line}` : line;
  }
  if (chunk) blocks.push(section(chunk));
  if (stages.length > LIST_MAX_LINES) {
    blocks.push(
      context(`…and ${stages.length - LIST_MAX_LINES} more: narrow it with \`/stages list APP KIND\`.`),
    );
  }
  return ephemeral(title, blocks);
}

export function costReply(snapshot: ParsedRun, stage: RunStage): SlackReply {
  const head = `*${stageLabel(stage)}* (${stage.kind}) in ${stage.account}/${stage.region}`;
  if (!stage.cost) {
    return ephemeral(
      `${head}: no cost data in the run of ${formatTime(snapshot.at)} (Cost Explorer lags ~24 h).`,
    );
  }
  const c = stage.cost;
  const lines = [
    head,
    `Yesterday ${formatUsd(c.yesterday)} · last 7 days ${formatUsd(c.last7Days)} · this month so far ${formatUsd(c.monthToDate)}`,
    `Month-end forecast ${formatUsd(c.forecast)} · about ${formatUsd(monthlyRate(c))} a month at the 7-day rate`,
  ];
  const note = `From the run of ${formatTime(snapshot.at)}; Cost Explorer data lags ~24 h${c.estimated ? " and recent days are estimated" : ""}.`;
  return ephemeral(lines.join("\n"), [
    section(lines.join("\n")),
    context(`${stage.decision}: ${escapeMrkdwn(stage.reason)}`),
    context(note),
  ]);
}

export function statusReply(snapshot: ParsedRun, now: Date): SlackReply {
  const hours = Math.max(0, Math.floor((now.getTime() - snapshot.at.getTime()) / 3_600_000));
  const counts = new Map<string, number>();
  for (const s of snapshot.stages) counts.set(s.decision, (counts.get(s.decision) ?? 0) + 1);
  const byDecision = [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([d, n]) => `${n} ${d}`);
  const week = sumMoney(snapshot.stages.map((s) => s.cost?.last7Days ?? 0n));
  const lines = [
    `*Latest run:* ${formatTime(snapshot.at)} (${hours} h ago)${snapshot.dryRun ? ", dry run: nothing was changed" : ""}`,
    `*${snapshot.stages.length} stages:* ${byDecision.join(", ") || "none"}`,
    `*Last 7 days:* ${formatUsd(week)} across all stages`,
  ];
  if (snapshot.suspended) lines.push(`*Removals suspended:* ${escapeMrkdwn(snapshot.suspended)}`);
  const removing = snapshot.stages
    .filter((s) => s.decision === "removing")
    .map((s) => `\`${stageLabel(s)}\``);
  if (removing.length > 0) lines.push(`*Being removed:* ${removing.slice(0, 20).join(", ")}`);
  for (const f of snapshot.failures.slice(0, 5))
    lines.push(`*Could not read* ${escapeMrkdwn(`${f.source} in ${f.account}: ${f.message}`.slice(0, 300))}`);
  return ephemeral(lines.join("\n"), [section(lines.join("\n"))]);
}
