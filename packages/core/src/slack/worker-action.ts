import { describeError } from "../aws/clients.js";
import { audit } from "../ledger/audit.js";
import type { Trigger } from "../ledger/records.js";
import { type GateDeps, passGate } from "../removal/gate.js";
import type { RemovalRequest } from "../removal/request.js";
import type { StageCost } from "../stage/facts.js";
import type { StageKey } from "../stage/key.js";
import { mayRemove } from "./auth.js";
import { escapeMrkdwn } from "./command.js";
import { postResponse } from "./deps.js";
import { slackActionMessageSchema } from "./message.js";
import type { SlackReply } from "./replies.js";
import { findStage, readSnapshot } from "./snapshot.js";

export interface SlackActionDeps extends GateDeps {
  /**
   * Starts a claimed removal. In the worker: `(request) => processRemoval(workerDeps, request)` (the worker
   * holds codebuild:StartBuild); elsewhere `enqueueRemoval` to the removal queue.
   */
  startRemoval: (request: RemovalRequest) => Promise<unknown>;
  respond?: (url: string, reply: SlackReply) => Promise<void>;
}

export interface SlackActionResult {
  outcome: "claimed" | "dry-run" | "refused" | "invalid";
  reason: string;
  removalId?: string;
  stage?: StageKey;
}

/**
 * A confirmed removal from Slack, in the removal worker: the requester is authorised again (the config may
 * have changed), the safety gate runs with the Slack user as the trigger, and the outcome replaces the
 * confirmation through response_url. A malformed message is refused, never retried; a ledger error throws,
 * so the queue delivers the message again, and the gate's claim makes that repeat harmless.
 */
export async function handleSlackAction(deps: SlackActionDeps, message: unknown): Promise<SlackActionResult> {
  const parsed = slackActionMessageSchema.safeParse(message);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join(".") || "(message)").join(", ");
    const reason = `invalid Slack action message (${fields.slice(0, 300)}): dropped`;
    await audit(deps.store, {
      action: "refused",
      reason,
      trigger: { surface: "slack", by: "unknown" },
      now: deps.now,
    });
    return { outcome: "invalid", reason };
  }
  const { stage: key, user, responseUrl, actionTs } = parsed.data;
  const label = `${key.app}/${key.stage}`;
  const trigger: Trigger = {
    surface: "slack",
    by: user,
    detail: `confirmed removal${actionTs ? ` (click ${actionTs})` : ""}`,
  };
  const respond = async (text: string) => {
    try {
      await (deps.respond ?? postResponse)(responseUrl, { replace_original: true, text });
    } catch (error) {
      console.error("slack: response_url failed", describeError(error));
    }
  };

  const permission = mayRemove(deps.config, user, key);
  if (!permission.ok) {
    const reason = `removal from Slack refused: ${permission.reason}`;
    await audit(deps.store, { action: "refused", reason, trigger, stage: key, now: deps.now });
    await respond(`Not removed: ${permission.reason}.`);
    return { outcome: "refused", reason, stage: key };
  }

  const cost = await snapshotCost(deps, key);
  const result = await passGate(deps, {
    key,
    trigger,
    intent: { kind: "manual" },
    ...(cost ? { cost } : {}),
  });
  if (result.outcome === "refused") {
    const why = result.decision === "removing" ? "" : ` (${result.decision})`;
    await respond(`Not removed${why}: ${escapeMrkdwn(result.reason)}`);
    return { outcome: "refused", reason: result.reason, stage: key };
  }
  if (result.outcome === "dry-run") {
    await respond(
      `Dry run: \`${label}\` passed the safety gate and would be removed now; nothing was changed.`,
    );
    return { outcome: "dry-run", reason: result.reason, stage: key };
  }
  const removalId = result.removalId;
  try {
    await deps.startRemoval({ removalId, ...key });
  } catch (error) {
    // The claim stays: the next daily run's reconciliation starts the removal (at most once).
    const reason = `removal ${removalId} claimed, but starting it failed (${describeError(error)}); the next run starts it`;
    await respond(
      `\`${label}\` passed the safety gate (removal ${removalId}), but starting it failed; the next daily run starts it.`,
    );
    return { outcome: "claimed", reason, removalId, stage: key };
  }
  await respond(
    `Removing \`${label}\` in ${key.account}/${key.region}, confirmed by <@${user}> (removal ${removalId}). Follow it with \`/stages status\`.`,
  );
  return { outcome: "claimed", reason: `removal ${removalId} claimed`, removalId, stage: key };
}

/** The stage's cost from the latest run, for the audit entry; unknown costs are left out, never guessed. */
async function snapshotCost(deps: SlackActionDeps, key: StageKey): Promise<StageCost | undefined> {
  try {
    const snapshot = await readSnapshot(deps.store);
    const cost = snapshot ? findStage(snapshot.stages, key)?.cost : undefined;
    return cost ? { ...cost, daily: [] } : undefined;
  } catch {
    return undefined;
  }
}
