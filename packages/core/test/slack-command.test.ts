import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config/index.js";
import {
  KEEP_BUTTON_DAYS,
  parseStageButtonValue,
  SLACK_ACTIONS,
  stageButtonValue,
} from "../src/slack/actions.js";
import { mayRemove, mayUnkeep } from "../src/slack/auth.js";
import { parseCommand, parseKeepUntil, parseStageRef, shown } from "../src/slack/command.js";
import { isSlackActionMessage, slackActionMessageSchema } from "../src/slack/message.js";

const NOW = new Date("2026-11-20T09:00:00Z");
const KEY = { account: "111111111111", region: "us-east-1", app: "shop", stage: "pr-12" };

describe("/stages command text", () => {
  it.each([
    ["", { name: "help" }],
    ["help", { name: "help" }],
    ["  STATUS ", { name: "status" }],
    ["list", { name: "list", filters: [] }],
    ["list shop pr", { name: "list", filters: ["shop", "pr"] }],
    ["cost shop/pr-12", { name: "cost", ref: { app: "shop", stage: "pr-12" } }],
    ["unkeep pr-12", { name: "unkeep", ref: { stage: "pr-12" } }],
    ["remove 111111111111/us-east-1/shop/pr-12", { name: "remove", ref: KEY }],
  ])("parses %j", (text, command) => {
    expect(parseCommand(text, NOW)).toEqual({ ok: true, command });
  });

  it("parses keep with a duration, a date or a time, and a reason", () => {
    expect(parseCommand("keep shop/pr-12 3d demo for the client", NOW)).toEqual({
      ok: true,
      command: {
        name: "keep",
        ref: { app: "shop", stage: "pr-12" },
        until: new Date("2026-11-23T09:00:00Z"),
        reason: "demo for the client",
      },
    });
    expect(parseKeepUntil("12h", NOW)).toEqual(new Date("2026-11-20T21:00:00Z"));
    expect(parseKeepUntil("2w", NOW)).toEqual(new Date("2026-12-04T09:00:00Z"));
    // A date keeps through the end of that UTC day.
    expect(parseKeepUntil("2026-12-01", NOW)).toEqual(new Date("2026-12-02T00:00:00Z"));
    expect(parseKeepUntil("2026-12-01T10:30:00+02:00", NOW)).toEqual(new Date("2026-12-01T08:30:00Z"));
  });

  it.each([
    "0d",
    "3",
    "3m",
    "3 d",
    "-3d",
    "2026-02-30",
    "2026-13-01",
    "2026-12-01T10:00",
    "tomorrow",
    "99999d",
  ])("refuses %j as a keep time", (text) => {
    expect(parseKeepUntil(text, NOW)).toBeUndefined();
  });

  it.each([
    ["frobnicate", "is not a /stages command"],
    ["rm -rf /", "is not a /stages command"],
    ["cost", "takes one stage"],
    ["cost a b", "takes one stage"],
    ["status now", "takes nothing"],
    ["list a b c", "at most an app and a kind"],
    ["list ../x", "not an app or kind name"],
    ["keep shop/pr-12", "needs a stage and a time"],
    ["keep shop/pr-12 soon", "is not a duration"],
    ["cost ../../x", "is not a stage"],
    ["cost a;rm -rf", "takes one stage"],
    ["cost a;rm", "is not a stage"],
    ["remove shop/pr-12;rm", "is not a stage"],
    ["cost shop//pr-12", "is not a stage"],
    ["cost us-east-1/eu-west-1/shop/pr-12", "is not a stage"],
    ["cost 1a/shop/pr-12", "is not a stage"],
    ["cost 1/2/3/4/5", "is not a stage"],
    ["cost <script>", "is not a stage"],
    [`keep shop/pr-12 3d ${"x".repeat(201)}`, "reason is too long"],
    ["x".repeat(500), "too long"],
  ])("refuses %j", (text, error) => {
    const parsed = parseCommand(text, NOW);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(error);
  });

  it("never echoes mrkdwn, mentions or backticks from what was typed", () => {
    const parsed = parseCommand("cost <!channel>`&x", NOW);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok)
      expect(parsed.error).toBe(
        "`&lt;!channel&gt;&amp;x` is not a stage: use `[ACCOUNT/][REGION/]APP/STAGE`, e.g. `shop/pr-12`.",
      );
    expect(shown("a".repeat(100))).toHaveLength(40);
  });

  it("reads three parts as ACCOUNT/APP/STAGE or REGION/APP/STAGE", () => {
    expect(parseStageRef("111111111111/shop/pr-12")).toEqual({
      account: "111111111111",
      app: "shop",
      stage: "pr-12",
    });
    expect(parseStageRef("eu-west-1/api/pr-12")).toEqual({ region: "eu-west-1", app: "api", stage: "pr-12" });
    expect(parseStageRef("x/shop/pr-12")).toBeUndefined();
  });
});

describe("stage buttons", () => {
  it("carries the stage key as JSON and reads back only valid keys", () => {
    const value = stageButtonValue(KEY);
    expect(JSON.parse(value)).toEqual(KEY);
    expect(parseStageButtonValue(value)).toEqual(KEY);
    expect(Object.values(SLACK_ACTIONS)).toEqual([
      "stage_keep_7d",
      "stage_remove_now",
      "stage_remove_confirm",
      "stage_remove_cancel",
    ]);
    expect(KEEP_BUTTON_DAYS).toBe(7);
  });

  it.each([
    ["not JSON", "shop/pr-12"],
    ["an extra field", JSON.stringify({ ...KEY, admin: true })],
    ["a hostile stage", JSON.stringify({ ...KEY, stage: "../../x" })],
    ["a missing field", JSON.stringify({ ...KEY, region: undefined })],
    ["too long", JSON.stringify({ ...KEY, pad: "x".repeat(2001) })],
    ["not a string", 42],
  ])("refuses a value with %s", (_name, value) => {
    expect(parseStageButtonValue(value)).toBeUndefined();
  });
});

describe("who may remove from Slack", () => {
  const config = (removers?: string) =>
    parseConfig({
      owners: { alice: "U0ALICE" },
      slack: { channel: "C0STAGES", admins: ["U0ADMIN"], ...(removers ? { removers } : {}) },
    });
  const alice = { ...KEY, stage: "alice" };

  it("lets admins and the owner of a personal stage remove it by default", () => {
    expect(mayRemove(config(), "U0ADMIN", KEY)).toEqual({ ok: true });
    expect(mayRemove(config(), "U0ALICE", alice)).toEqual({ ok: true });
    expect(mayRemove(config(), "U0ALICE", KEY)).toMatchObject({ ok: false });
    expect(mayRemove(config(), "U0BOB", alice)).toEqual({
      ok: false,
      reason: "only the Stagekeeper admins and the stage's owner <@U0ALICE> may remove shop/alice",
    });
  });

  it('follows slack.removers: "admins" and "anyone"', () => {
    expect(mayRemove(config("admins"), "U0ALICE", alice)).toMatchObject({ ok: false });
    expect(mayRemove(config("admins"), "U0ADMIN", alice)).toEqual({ ok: true });
    expect(mayRemove(config("anyone"), "U0BOB", KEY)).toEqual({ ok: true });
    expect(mayRemove(config("anyone"), "not-a-user", KEY)).toMatchObject({ ok: false });
    expect(() => config("everyone")).toThrow(/slack.removers/);
    expect(parseConfig({ slack: { channel: "C0STAGES" } }).slack?.removers).toBe("admins-and-owners");
  });

  it("lets whoever kept a stage end the keep", () => {
    const keep = { until: "2026-11-27T09:00:00.000Z", by: "U0BOB", at: "2026-11-20T09:00:00.000Z" };
    expect(mayUnkeep(config(), "U0BOB", KEY, keep)).toEqual({ ok: true });
    expect(mayUnkeep(config(), "U0ADMIN", KEY, keep)).toEqual({ ok: true });
    expect(mayUnkeep(config(), "U0CAROL", KEY, keep)).toMatchObject({ ok: false });
  });
});

describe("the Slack action message", () => {
  const message = {
    kind: "slack-action",
    action: "remove",
    stage: KEY,
    user: "U0ALICE",
    responseUrl: "https://hooks.slack.com/actions/T0/1/abc",
    requestedAt: NOW.toISOString(),
    actionTs: "1763629200.000100",
  };

  it("is told apart from a removal request and validated strictly", () => {
    expect(slackActionMessageSchema.parse(message)).toEqual(message);
    expect(isSlackActionMessage(message)).toBe(true);
    expect(isSlackActionMessage({ ...message, kind: undefined })).toBe(false);
    expect(isSlackActionMessage({ removalId: "r-123456789", ...KEY })).toBe(false);
    expect(
      slackActionMessageSchema.safeParse({ ...message, responseUrl: "file:///etc/passwd" }).success,
    ).toBe(false);
    expect(slackActionMessageSchema.safeParse({ ...message, stage: { ...KEY, app: "a;b" } }).success).toBe(
      false,
    );
    expect(slackActionMessageSchema.safeParse({ ...message, extra: 1 }).success).toBe(false);
  });
});
