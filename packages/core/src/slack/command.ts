import { isValidAppName } from "../stage/key.js";
import { parseStageRef, type StageRef } from "../stage/resolve.js";

/** Longer text than this is refused before it is looked at: no real `/stages` command needs it. */
export const MAX_COMMAND_TEXT = 300;
/** A keep's reason, as stored on the stage record and shown in reasons. */
export const MAX_REASON = 200;

/** `[ACCOUNT/][REGION/]APP/STAGE`, or a bare stage name: matched against the latest run's stages. */

export type SlashCommand =
  | { name: "help" }
  | { name: "status" }
  | { name: "list"; filters: string[] }
  | { name: "cost"; ref: StageRef }
  | { name: "keep"; ref: StageRef; until: Date; reason?: string }
  | { name: "unkeep"; ref: StageRef }
  | { name: "remove"; ref: StageRef };

export { parseStageRef, type StageRef };

export type ParsedCommand = { ok: true; command: SlashCommand } | { ok: false; error: string };

export const USAGE = [
  "`/stages list [APP] [KIND]` — the stages of the latest run",
  "`/stages cost STAGE` — what a stage costs",
  "`/stages keep STAGE 3d|12h|2w|2026-12-01 [reason]` — keep it from being removed",
  "`/stages unkeep STAGE` — end a keep",
  "`/stages remove STAGE` — remove it (asks to confirm first)",
  "`/stages status` — the latest run",
  "STAGE is `[ACCOUNT/][REGION/]APP/STAGE`, e.g. `shop/pr-12`; a bare name works when only one app has it.",
];

const fail = (error: string): ParsedCommand => ({ ok: false, error });

/** Parses the text after `/stages`. `now` anchors durations; it never touches the clock itself. */
export function parseCommand(text: string, now: Date): ParsedCommand {
  if (text.length > MAX_COMMAND_TEXT) return fail(`That is too long (over ${MAX_COMMAND_TEXT} characters).`);
  const [verb = "help", ...args] = text.trim().split(/\s+/).filter(Boolean);
  const one = (name: "cost" | "unkeep" | "remove"): ParsedCommand => {
    if (args.length !== 1) return fail(`\`${name}\` takes one stage, e.g. \`/stages ${name} shop/pr-12\`.`);
    const ref = parseStageRef(args[0] as string);
    return ref ? { ok: true, command: { name, ref } } : fail(notAStage(args[0] as string));
  };
  switch (verb.toLowerCase()) {
    case "help":
      return { ok: true, command: { name: "help" } };
    case "status":
      return args.length === 0 ? { ok: true, command: { name: "status" } } : fail("`status` takes nothing.");
    case "list": {
      if (args.length > 2)
        return fail("`list` takes at most an app and a kind, e.g. `/stages list shop pr`.");
      const bad = args.find((a) => !isValidAppName(a));
      return bad
        ? fail(`\`${shown(bad)}\` is not an app or kind name.`)
        : { ok: true, command: { name: "list", filters: args } };
    }
    case "cost":
    case "unkeep":
    case "remove":
      return one(verb.toLowerCase() as "cost" | "unkeep" | "remove");
    case "keep":
      return parseKeep(args, now);
    default:
      return fail(`\`${shown(verb)}\` is not a /stages command.`);
  }
}

function parseKeep(args: string[], now: Date): ParsedCommand {
  const [stage, when, ...words] = args;
  if (!stage || !when) return fail("`keep` needs a stage and a time, e.g. `/stages keep shop/pr-12 3d`.");
  const ref = parseStageRef(stage);
  if (!ref) return fail(notAStage(stage));
  const until = parseKeepUntil(when, now);
  if (!until) return fail(`\`${shown(when)}\` is not a duration (3d, 12h, 2w) or a date (2026-12-01).`);
  const reason = words.join(" ");
  if (reason.length > MAX_REASON) return fail(`The reason is too long (over ${MAX_REASON} characters).`);
  return { ok: true, command: { name: "keep", ref, until, ...(reason ? { reason } : {}) } };
}

const DURATION = /^(\d{1,4})([hdw])$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const HOURS = { h: 1, d: 24, w: 24 * 7 } as const;

/**
 * `3d`, `12h`, `2w` from `now`; a date keeps through the end of that UTC day; an ISO time with a zone is
 * taken as is. Limits (in the future, at most maxKeepDays ahead) are the keep's to check.
 */
export function parseKeepUntil(text: string, now: Date): Date | undefined {
  const duration = DURATION.exec(text);
  if (duration) {
    const hours = Number(duration[1]) * HOURS[duration[2] as keyof typeof HOURS];
    return hours > 0 ? new Date(now.getTime() + hours * 3_600_000) : undefined;
  }
  if (DATE.test(text)) {
    const start = new Date(`${text}T00:00:00Z`);
    if (Number.isNaN(start.getTime()) || start.toISOString().slice(0, 10) !== text) return undefined;
    return new Date(start.getTime() + 24 * 3_600_000);
  }
  if (DATE_TIME.test(text)) {
    const time = new Date(text);
    return Number.isNaN(time.getTime()) ? undefined : time;
  }
  return undefined;
}

/** The parts of a stage reference, each checked against AWS's and SST's own rules; undefined if any fails. */

export function refText(ref: StageRef): string {
  return [ref.account, ref.region, ref.app, ref.stage].filter(Boolean).join("/");
}

function notAStage(text: string): string {
  return `\`${shown(text)}\` is not a stage: use \`[ACCOUNT/][REGION/]APP/STAGE\`, e.g. \`shop/pr-12\`.`;
}

/**
 * What a person typed, safe to echo in Slack mrkdwn inside backticks: control characters and backticks
 * dropped, Slack's three escapes applied, and the length bounded.
 */
export function shown(text: string, max = 40): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: dropping control characters is the point
  const flat = text.replace(/[\u0000-\u001f\u007f`]+/g, "");
  const cut = flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
  return escapeMrkdwn(cut);
}

/** Slack asks for `&`, `<` and `>` to be escaped in message text (they start links and mentions). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
