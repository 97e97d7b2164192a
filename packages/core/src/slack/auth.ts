import type { Config } from "../config/index.js";
import type { Keep } from "../ledger/keep.js";
import type { StageKey } from "../stage/key.js";

export type Removers = "admins" | "admins-and-owners" | "anyone";

export type Permission = { ok: true } | { ok: false; reason: string };

/** Slack user ids as Slack sends them (U… or W… for Enterprise Grid). */
export const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;

/**
 * Who may remove a stage from Slack (`slack.removers`): the admins always; with "admins-and-owners" (the
 * default) also the owner of a personal stage as mapped in `owners`; with "anyone", anyone in the workspace.
 * Keeping needs no permission: it only ever stops a removal.
 */
export function mayRemove(config: Config, user: string, key: StageKey): Permission {
  const removers: Removers = config.slack?.removers ?? "admins-and-owners";
  const admins = config.slack?.admins ?? [];
  if (!SLACK_USER.test(user)) return { ok: false, reason: "the request has no valid Slack user" };
  if (removers === "anyone" || admins.includes(user)) return { ok: true };
  const owner = Object.hasOwn(config.owners, key.stage) ? config.owners[key.stage] : undefined;
  if (removers === "admins-and-owners" && owner === user) return { ok: true };
  const who =
    removers === "admins"
      ? "the Stagekeeper admins"
      : `the Stagekeeper admins${owner ? ` and the stage's owner <@${owner}>` : ""}`;
  return { ok: false, reason: `only ${who} may remove ${key.app}/${key.stage}` };
}

/** Ending a keep makes a stage removable again: the one who kept it, or anyone who may remove it. */
export function mayUnkeep(config: Config, user: string, key: StageKey, keep: Keep): Permission {
  if (SLACK_USER.test(user) && keep.by === user) return { ok: true };
  const remove = mayRemove(config, user, key);
  return remove.ok
    ? remove
    : { ok: false, reason: `only ${mention(keep.by)}, who kept it, may end this keep (${remove.reason})` };
}

/** A Slack mention for a Slack user id; anything else (a CLI user) as plain text. */
export function mention(by: string): string {
  return SLACK_USER.test(by) ? `<@${by}>` : by.replace(/[<>&]/g, "");
}
