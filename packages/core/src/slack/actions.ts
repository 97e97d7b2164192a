import { z } from "zod";
import { ACCOUNT_ID, isValidAppName, isValidStageName, REGION, type StageKey } from "../stage/key.js";

/**
 * The buttons Stagekeeper's messages carry. The daily digest uses the first two; the confirmation that
 * `/stages remove` and "Remove now" show uses the last two. Every button's value is a stage key as JSON.
 */
export const SLACK_ACTIONS = {
  /** Digest: keep the stage for 7 days. */
  keep7d: "stage_keep_7d",
  /** Digest: ask to remove the stage now; answered with a confirmation, never a removal. */
  removeNow: "stage_remove_now",
  /** Confirmation: the removal is handed to the removal worker, which runs the safety gate. */
  confirmRemove: "stage_remove_confirm",
  /** Confirmation: nothing happens. */
  cancelRemove: "stage_remove_cancel",
} as const;

/** Where a click's dedupe record goes (the key is a hash of the click); the deployment expires them (infra/storage.ts). */
export const CLICKS_PREFIX = "slack/actions/";

export type SlackActionId = (typeof SLACK_ACTIONS)[keyof typeof SLACK_ACTIONS];

export const SLACK_ACTION_IDS: readonly SlackActionId[] = Object.values(SLACK_ACTIONS);

export function isSlackActionId(value: unknown): value is SlackActionId {
  return typeof value === "string" && (SLACK_ACTION_IDS as readonly string[]).includes(value);
}

/** How long the digest's keep button keeps a stage. */
export const KEEP_BUTTON_DAYS = 7;

/** A button's value holds at most 2000 characters (WIRE.md §6.1); a stage key needs far fewer. */
export const BUTTON_VALUE_MAX = 2000;

/** The value of every stage button: `{"account","region","app","stage"}`, each checked against SST's rules. */
export const stageButtonValueSchema = z.strictObject({
  account: z.string().regex(ACCOUNT_ID),
  region: z.string().regex(REGION),
  app: z.string().refine(isValidAppName, "not an SST app name"),
  stage: z.string().refine(isValidStageName, "not an SST stage name"),
});
export type StageButtonValue = z.infer<typeof stageButtonValueSchema>;

/** The button value for a stage: JSON with the four key fields only, in a fixed order. */
export function stageButtonValue(key: StageKey): string {
  const value: StageButtonValue = stageButtonValueSchema.parse({
    account: key.account,
    region: key.region,
    app: key.app,
    stage: key.stage,
  });
  return JSON.stringify(value);
}

/** The stage key of a button value, or undefined when it is not one (not JSON, extra fields, bad names). */
export function parseStageButtonValue(value: unknown): StageKey | undefined {
  if (typeof value !== "string" || value.length > BUTTON_VALUE_MAX) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return undefined;
  }
  const parsed = stageButtonValueSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
