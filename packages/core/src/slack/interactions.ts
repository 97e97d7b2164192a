import { createHash } from "node:crypto";
import { z } from "zod";
import { describeError } from "../aws/clients.js";
import { audit } from "../ledger/audit.js";
import type { Trigger } from "../ledger/records.js";
import type { LedgerStore } from "../ledger/store.js";
import type { StageKey } from "../stage/key.js";
import {
  CLICKS_PREFIX,
  isSlackActionId,
  KEEP_BUTTON_DAYS,
  parseStageButtonValue,
  SLACK_ACTIONS,
  type SlackActionId,
} from "./actions.js";
import { mayRemove, SLACK_USER } from "./auth.js";
import { removalPreview } from "./confirm.js";
import { postResponse, type SlackDeps } from "./deps.js";
import { keepFromSlack } from "./keep.js";
import { SLACK_ACTION_KIND } from "./message.js";
import { ephemeral, helpReply, type SlackReply } from "./replies.js";
import { findStage, readSnapshot } from "./snapshot.js";

/** The part of a block_actions payload (WIRE.md §6.4) that Stagekeeper reads. */
const payloadSchema = z.looseObject({
  type: z.literal("block_actions"),
  user: z.looseObject({ id: z.string().regex(SLACK_USER) }),
  response_url: z.url({ protocol: /^https?$/ }).max(2000),
  actions: z
    .array(
      z.looseObject({
        action_id: z.string().max(255),
        action_ts: z.string().regex(/^\d{1,12}\.\d{1,9}$/),
        value: z.string().max(2000).optional(),
      }),
    )
    .min(1),
});

export type Interaction = { reply?: SlackReply };

/**
 * A button click. Slack ignores the body of the acknowledgement, so every answer goes to response_url —
 * before the acknowledgement, as nothing may run after it. A click is handled once: the first delivery of
 * (action_ts, user, action, value) creates a ledger record with If-None-Match: *, and a repeat finds it.
 * Bad payloads get the help text in the acknowledgement and nothing else.
 */
export async function handleInteraction(deps: SlackDeps, text: string, now: Date): Promise<Interaction> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { reply: helpReply("That button payload is not JSON.") };
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) return { reply: helpReply("That is not a button click Stagekeeper knows.") };
  const payload = parsed.data;
  const action = payload.actions[0] as (typeof payload.actions)[number];
  const key = parseStageButtonValue(action.value);
  if (!isSlackActionId(action.action_id) || !key) {
    return { reply: helpReply("That button is not one of Stagekeeper's, or its stage is not valid.") };
  }
  const user = payload.user.id;
  const respond = (reply: SlackReply) => send(deps, payload.response_url, reply);
  const trigger: Trigger = { surface: "slack", by: user, detail: `button ${action.action_id}` };
  const click: Click = {
    id: action.action_id,
    key,
    user,
    now,
    trigger,
    actionTs: action.action_ts,
    responseUrl: payload.response_url,
  };
  try {
    if (
      await firstDelivery(deps.store, [action.action_ts, user, action.action_id, action.value ?? ""], now)
    ) {
      await handleClick(deps, click, respond);
    }
  } catch (error) {
    // Slack shows nothing of a click's acknowledgement: the person hears of the failure through response_url.
    console.error("slack: click failed", describeError(error));
    const failed = ephemeral(
      "Something went wrong with that click; check `/stages status` before trying again.",
    );
    await respond(failed);
    return { reply: failed };
  }
  return {};
}

interface Click {
  id: SlackActionId;
  key: StageKey;
  user: string;
  now: Date;
  trigger: Trigger;
  actionTs: string;
  responseUrl: string;
}

async function handleClick(
  deps: SlackDeps,
  c: Click,
  respond: (reply: SlackReply) => Promise<void>,
): Promise<void> {
  const label = `${c.key.app}/${c.key.stage}`;
  if (c.id === SLACK_ACTIONS.cancelRemove) {
    await respond({ replace_original: true, text: `Cancelled: \`${label}\` is not removed.` });
    return;
  }
  if (c.id === SLACK_ACTIONS.confirmRemove) {
    const permission = mayRemove(deps.config, c.user, c.key);
    if (!permission.ok) {
      await audit(deps.store, {
        action: "refused",
        reason: `removal from Slack refused: ${permission.reason}`,
        trigger: c.trigger,
        stage: c.key,
        now: c.now,
      });
      await respond(ephemeral(`Not removed: ${permission.reason}.`));
      return;
    }
    // Buttons gone first, so the worker's answer (which replaces this one) cannot be overwritten by it.
    await respond({
      replace_original: true,
      text: `Removal of \`${label}\` requested by <@${c.user}>: the safety gate checks it now…`,
    });
    try {
      await deps.enqueue({
        kind: SLACK_ACTION_KIND,
        action: "remove",
        stage: { account: c.key.account, region: c.key.region, app: c.key.app, stage: c.key.stage },
        user: c.user,
        responseUrl: c.responseUrl,
        requestedAt: c.now.toISOString(),
        actionTs: c.actionTs,
      });
    } catch (error) {
      console.error("slack: could not enqueue a removal", describeError(error));
      await respond({
        replace_original: true,
        text: `Nothing was removed: the request for \`${label}\` could not be handed to the removal worker. Try \`/stages remove ${label}\` again.`,
      });
    }
    return;
  }
  // Keep and "Remove now" act on a stage of the latest run only: a stage the run did not see is not guessed at.
  const snapshot = await readSnapshot(deps.store);
  const stage = snapshot ? findStage(snapshot.stages, c.key) : undefined;
  if (!stage) {
    await respond(ephemeral(`\`${label}\` is not in the latest run, so nothing was done.`));
    return;
  }
  if (c.id === SLACK_ACTIONS.keep7d) {
    const until = new Date(c.now.getTime() + KEEP_BUTTON_DAYS * 24 * 3_600_000);
    await respond(await keepFromSlack(deps, stage, { until, trigger: c.trigger, now: c.now }));
    return;
  }
  await respond(await removalPreview(deps, stage, c.now, c.trigger));
}

/** True the first time this click is seen; false for a repeated delivery of the same click. */
async function firstDelivery(store: LedgerStore, parts: string[], now: Date): Promise<boolean> {
  const hash = createHash("sha256").update(parts.join("\n")).digest("hex");
  const [actionTs, user, actionId] = parts;
  return (
    (await store.put(
      `${CLICKS_PREFIX}${hash}.json`,
      { at: now.toISOString(), actionTs, user, actionId },
      undefined,
    )) !== false
  );
}

/** A reply that cannot be delivered is logged: the action itself has happened (or not) regardless. */
async function send(deps: SlackDeps, url: string, reply: SlackReply): Promise<void> {
  try {
    await (deps.respond ?? postResponse)(url, reply);
  } catch (error) {
    console.error("slack: response_url failed", describeError(error));
  }
}
