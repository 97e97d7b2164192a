import { audit } from "../ledger/audit.js";
import { activeKeep, recordKey, stageRecordSchema, type Trigger } from "../ledger/records.js";
import type { RunStage } from "../ledger/snapshot.js";
import { formatUsd } from "../money/index.js";
import { classifyStage, formatTime } from "../policy/index.js";
import { keyOf } from "../stage/key.js";
import { SLACK_ACTIONS, stageButtonValue } from "./actions.js";
import { mayRemove, mention } from "./auth.js";
import { escapeMrkdwn } from "./command.js";
import type { SlackDeps } from "./deps.js";
import { type Block, context, ephemeral, type SlackReply, section, stageLabel } from "./replies.js";
import { monthlyRate } from "./snapshot.js";

/** Decisions of the latest run that no removal can get past: refused before a confirmation is shown. */
const FINAL = new Set(["protected", "removing"]);

/**
 * The answer to "remove this stage": a refusal when the requester may not, or when the config, the latest
 * run or the stage's ledger record already rule it out; otherwise a confirmation with what the stage costs
 * and Confirm / Cancel buttons. Nothing is claimed here: the gate runs again, in the worker, on Confirm.
 */
export async function removalPreview(
  deps: Pick<SlackDeps, "store" | "config">,
  stage: RunStage,
  now: Date,
  trigger: Trigger,
): Promise<SlackReply> {
  const label = stageLabel(stage);
  const permission = mayRemove(deps.config, trigger.by, stage);
  if (!permission.ok) {
    await audit(deps.store, {
      action: "refused",
      reason: `removal from Slack refused: ${permission.reason}`,
      trigger,
      stage: keyOf(stage),
      now,
    });
    return ephemeral(`Not removed: ${permission.reason}.`);
  }
  const { kind, rule } = classifyStage(stage, deps.config);
  if (!rule?.removable)
    return ephemeral(`Not removed: \`${label}\` is a ${kind} stage; ${kind} stages are never removed.`);
  if (FINAL.has(stage.decision)) return ephemeral(`Not removed: ${escapeMrkdwn(stage.reason)}`);
  const record = (await deps.store.get(recordKey(stage), stageRecordSchema))?.value;
  const keep = activeKeep(record, now);
  if (keep) {
    return ephemeral(
      `Not removed: \`${label}\` is kept until ${formatTime(new Date(keep.until))} by ${mention(keep.by)}. End the keep first with \`/stages unkeep ${label}\`.`,
    );
  }
  if (record?.claim) return ephemeral(`\`${label}\` is already being removed (removal ${record.claim}).`);
  return confirmation(stage);
}

export function confirmation(stage: RunStage): SlackReply {
  const label = stageLabel(stage);
  const cost = stage.cost
    ? `It costs about *${formatUsd(monthlyRate(stage.cost))} a month* (${formatUsd(stage.cost.last7Days)} in the last 7 days; ${formatUsd(stage.cost.monthToDate)} this month so far).`
    : "Its cost is not known (no Cost Explorer data in the latest run).";
  const text = `Remove *${label}* (${stage.kind}) in ${stage.account}/${stage.region}? ${cost}`;
  const value = stageButtonValue(stage);
  const blocks: Block[] = [
    section(text),
    context(`Latest run: ${stage.decision}. ${escapeMrkdwn(stage.reason)}`),
    {
      type: "actions",
      block_id: "stage_remove",
      elements: [
        {
          type: "button",
          action_id: SLACK_ACTIONS.confirmRemove,
          text: { type: "plain_text", text: "Confirm removal" },
          style: "danger",
          value,
        },
        {
          type: "button",
          action_id: SLACK_ACTIONS.cancelRemove,
          text: { type: "plain_text", text: "Cancel" },
          value,
        },
      ],
    },
    context(
      "The safety gate checks the stage again when you confirm; a protected or kept stage is never removed.",
    ),
  ];
  return ephemeral(text, blocks);
}
