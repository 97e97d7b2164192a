import { keepStage, readKeep, unkeepStage } from "../ledger/keep.js";
import type { Trigger } from "../ledger/records.js";
import type { RunStage } from "../ledger/snapshot.js";
import { classifyStage, formatTime } from "../policy/index.js";
import { mayUnkeep, mention } from "./auth.js";
import { escapeMrkdwn } from "./command.js";
import type { SlackDeps } from "./deps.js";
import { ephemeral, type SlackReply, stageLabel } from "./replies.js";

/**
 * Keeps a stage from Slack, inline before the answer: one conditional write on the stage record and one
 * audit entry (tens of milliseconds), so the person sees the keep take effect, not a promise of it.
 */
export async function keepFromSlack(
  deps: Pick<SlackDeps, "store" | "config">,
  stage: RunStage,
  request: { until: Date; reason?: string; trigger: Trigger; now: Date },
): Promise<SlackReply> {
  const label = stageLabel(stage);
  const { kind, rule } = classifyStage(stage, deps.config);
  if (!rule?.removable)
    return ephemeral(`\`${label}\` is a ${kind} stage: it is never removed, so it needs no keep.`);
  const result = await keepStage(deps.store, {
    key: stage,
    until: request.until,
    by: request.trigger.by,
    ...(request.reason ? { reason: request.reason } : {}),
    trigger: request.trigger,
    now: request.now,
    maxKeepDays: deps.config.maxKeepDays,
  });
  if (result.outcome === "refused") return ephemeral(`Not kept: ${escapeMrkdwn(result.reason)}.`);
  const until = formatTime(new Date(result.keep.until));
  if (result.outcome === "unchanged") {
    return ephemeral(
      `\`${label}\` is already kept until ${until} by ${mention(result.keep.by)}; a keep never shortens another.`,
    );
  }
  const why = request.reason ? ` (${escapeMrkdwn(request.reason)})` : "";
  return ephemeral(`Kept \`${label}\` until ${until}${why}. It will not be removed before then.`);
}

export async function unkeepFromSlack(
  deps: Pick<SlackDeps, "store" | "config">,
  stage: RunStage,
  request: { trigger: Trigger; now: Date },
): Promise<SlackReply> {
  const label = stageLabel(stage);
  const keep = await readKeep(deps.store, stage, request.now);
  if (!keep) return ephemeral(`\`${label}\` is not kept.`);
  const permission = mayUnkeep(deps.config, request.trigger.by, stage, keep);
  if (!permission.ok) return ephemeral(`The keep stays: ${permission.reason}.`);
  const result = await unkeepStage(deps.store, { key: stage, trigger: request.trigger, now: request.now });
  if (result.outcome === "not-kept") return ephemeral(`\`${label}\` is not kept.`);
  return ephemeral(
    `Ended the keep of \`${label}\` (it was kept until ${formatTime(new Date(result.previous.until))}); its kind's policy applies again.`,
  );
}
