import { RESERVED_KINDS } from "../config/index.js";
import type { Trigger } from "../ledger/records.js";
import type { ParsedRun, RunStage } from "../ledger/snapshot.js";
import { resolveRef } from "../stage/resolve.js";
import { SLACK_USER } from "./auth.js";
import { parseCommand, refText, type SlashCommand, type StageRef } from "./command.js";
import { removalPreview } from "./confirm.js";
import type { SlackDeps } from "./deps.js";
import { keepFromSlack, unkeepFromSlack } from "./keep.js";
import {
  candidatesReply,
  costReply,
  helpReply,
  listReply,
  noSnapshotReply,
  type SlackReply,
  statusReply,
} from "./replies.js";
import { readSnapshot } from "./snapshot.js";

/**
 * `/stages …`: everything is answered from the latest run snapshot, and keep/unkeep write the stage record
 * inline; `remove` only shows a confirmation. Nothing here waits on anything slower than the ledger.
 */
export async function handleCommand(
  deps: Pick<SlackDeps, "store" | "config">,
  form: URLSearchParams,
  now: Date,
): Promise<SlackReply> {
  const user = form.get("user_id") ?? "";
  if (!SLACK_USER.test(user)) return helpReply("That request names no Slack user.");
  const parsed = parseCommand(form.get("text") ?? "", now);
  if (!parsed.ok) return helpReply(parsed.error);
  const command = parsed.command;
  if (command.name === "help") return helpReply();
  const snapshot = await readSnapshot(deps.store);
  if (!snapshot) return noSnapshotReply();
  const trigger = (detail: string): Trigger => ({ surface: "slack", by: user, detail });
  switch (command.name) {
    case "status":
      return statusReply(snapshot, now);
    case "list":
      return list(deps, snapshot, command.filters);
    default:
      return withStage(snapshot, command.ref, (stage) => act(deps, snapshot, command, stage, now, trigger));
  }
}

function act(
  deps: Pick<SlackDeps, "store" | "config">,
  snapshot: ParsedRun,
  command: Extract<SlashCommand, { ref: StageRef }>,
  stage: RunStage,
  now: Date,
  trigger: (detail: string) => Trigger,
): SlackReply | Promise<SlackReply> {
  switch (command.name) {
    case "cost":
      return costReply(snapshot, stage);
    case "keep":
      return keepFromSlack(deps, stage, {
        until: command.until,
        ...(command.reason ? { reason: command.reason } : {}),
        trigger: trigger("/stages keep"),
        now,
      });
    case "unkeep":
      return unkeepFromSlack(deps, stage, { trigger: trigger("/stages unkeep"), now });
    case "remove":
      return removalPreview(deps, stage, now, trigger("/stages remove"));
  }
}

async function withStage(
  snapshot: ParsedRun,
  ref: StageRef,
  then: (stage: RunStage) => SlackReply | Promise<SlackReply>,
): Promise<SlackReply> {
  const resolved = resolveRef(snapshot.stages, ref);
  return resolved.ok ? then(resolved.stage) : candidatesReply(refText(ref), resolved.candidates, snapshot);
}

/** `list [APP] [KIND]`: with one word, a kind name (configured, or seen in the run) wins over an app name. */
function list(deps: Pick<SlackDeps, "config">, snapshot: ParsedRun, filters: string[]): SlackReply {
  const [first, second] = filters;
  if (first === undefined) return listReply(snapshot, {});
  if (second !== undefined) return listReply(snapshot, { app: first, kind: second });
  const kinds = new Set([
    ...deps.config.kinds.map((k) => k.name),
    RESERVED_KINDS.other,
    RESERVED_KINDS.unknown,
    ...snapshot.stages.map((s) => s.kind),
  ]);
  const isApp = snapshot.stages.some((s) => s.app === first);
  return kinds.has(first) && !isApp
    ? listReply(snapshot, { kind: first })
    : listReply(snapshot, { app: first });
}
