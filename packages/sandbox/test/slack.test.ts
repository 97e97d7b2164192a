import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { LogLevel, WebClient } from "@slack/web-api";
import { describe, expect, it } from "vitest";
import type { Sandbox } from "../src/index.js";
import { checkBlocks, LIMITS } from "../src/services/slack/blocks.js";
import { signSlackRequest } from "../src/services/slack.js";
import { testSeed, withSandbox } from "./fixtures.js";

const STAGES = "C0STAGES";
const ARCHIVED = "C0OLD";
const OPS = "C0OPS";

function slackSeed() {
  return testSeed({
    slack: {
      channels: [
        { id: STAGES, name: "stages" },
        { id: ARCHIVED, name: "old-alerts", archived: true },
        { id: OPS, name: "ops" },
      ],
      users: [
        { id: "U0ALICE", name: "alice" },
        { id: "U0BOB", name: "bob" },
      ],
      tokens: ["xoxb-sandbox", "xoxb-other-app"],
    },
  });
}

function client(sandbox: Sandbox, token: string | undefined = sandbox.env.SLACK_BOT_TOKEN, extra = {}) {
  return new WebClient(token, {
    slackApiUrl: sandbox.env.SLACK_API_URL,
    retryConfig: { retries: 0 },
    logLevel: LogLevel.ERROR,
    ...extra,
  });
}

interface SlackFailure {
  code: string;
  data?: { error: string; errors?: string[]; response_metadata?: { messages?: string[] } };
  statusCode?: number;
  retryAfter?: number;
}

async function failure(call: Promise<unknown>): Promise<SlackFailure> {
  try {
    await call;
  } catch (error) {
    return error as SlackFailure;
  }
  throw new Error("expected the call to fail");
}

async function platformError(call: Promise<unknown>): Promise<string | undefined> {
  const error = await failure(call);
  expect(error.code).toBe("slack_webapi_platform_error");
  return error.data?.error;
}

async function control(sandbox: Sandbox, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${sandbox.url}/_sandbox/slack/${path}`, {
    method: "POST",
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

interface Inspected {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  user: string;
  ephemeral?: string;
  edits: { text: string }[];
  deleted: boolean;
  via: string;
}

async function messages(sandbox: Sandbox): Promise<Inspected[]> {
  const res = await fetch(`${sandbox.url}/_sandbox/slack/messages`);
  return ((await res.json()) as { messages: Inspected[] }).messages;
}

/** Slack timestamps follow the sandbox clock, which runs on from the seed's `now` in real time. */
function secondsAfter(start: string, ts: unknown): number {
  const seconds = Number(ts) - Date.parse(start) / 1000;
  expect(seconds).toBeGreaterThanOrEqual(0);
  return seconds;
}

const section = (text: string, extra = {}) => ({ type: "section", text: { type: "mrkdwn", text }, ...extra });
const button = (text: string, action_id: string, extra = {}) => ({
  type: "button",
  text: { type: "plain_text", text },
  action_id,
  ...extra,
});

const digestBlocks = [
  { type: "header", text: { type: "plain_text", text: "Stages on 20 Nov 2026" } },
  section("*3 stages* cost *$43.23* so far this month", {
    accessory: button("Open dashboard", "open", { url: "https://example.com/dash" }),
  }),
  {
    type: "section",
    fields: [
      { type: "mrkdwn", text: "*shop/pr-12*" },
      { type: "mrkdwn", text: "$1.23/day" },
    ],
  },
  { type: "divider" },
  {
    type: "actions",
    block_id: "expiring:shop/pr-12",
    elements: [
      button("Keep 7 days", "keep", { value: "111111111111/us-east-1/shop/pr-12" }),
      button("Remove now", "remove", { value: "111111111111/us-east-1/shop/pr-12", style: "danger" }),
    ],
  },
  { type: "context", elements: [{ type: "mrkdwn", text: "Owner <@U0ALICE>" }] },
];

describe("sandbox Slack: Web API through @slack/web-api", () => {
  it("posts a Block Kit message and a reply in its thread", async () => {
    await withSandbox(slackSeed(), async (sandbox) => {
      const slack = client(sandbox);
      const posted = await slack.chat.postMessage({
        channel: STAGES,
        text: "Daily digest",
        blocks: digestBlocks,
      });
      expect(posted.ok).toBe(true);
      expect(posted.channel).toBe(STAGES);
      expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);
      expect(secondsAfter("2026-11-20T09:00:00Z", posted.ts)).toBeLessThan(30);
      expect(posted.message).toMatchObject({ type: "message", text: "Daily digest", ts: posted.ts });
      // Slack gives every block a block_id and echoes the blocks back.
      const echoed = posted.message?.blocks ?? [];
      expect(echoed).toHaveLength(digestBlocks.length);
      expect(echoed.every((b) => typeof b.block_id === "string")).toBe(true);
      expect(echoed[4]?.block_id).toBe("expiring:shop/pr-12");

      const reply = await slack.chat.postMessage({
        channel: "#stages",
        thread_ts: posted.ts,
        text: "details",
      });
      expect(reply.channel).toBe(STAGES);
      expect(reply.message?.thread_ts).toBe(posted.ts);
      expect(Number(reply.ts)).toBeGreaterThan(Number(posted.ts));

      const thread = await slack.conversations.replies({ channel: STAGES, ts: posted.ts as string });
      expect(thread.messages?.map((m) => m.text)).toEqual(["Daily digest", "details"]);
      const history = await slack.conversations.history({ channel: STAGES });
      expect(history.messages).toHaveLength(1);
      expect(history.messages?.[0]).toMatchObject({ ts: posted.ts, thread_ts: posted.ts, reply_count: 1 });

      const inspected = await messages(sandbox);
      expect(inspected.map((m) => [m.channel, m.thread_ts, m.text])).toEqual([
        [STAGES, posted.ts, "Daily digest"],
        [STAGES, posted.ts, "details"],
      ]);
    });
  });

  it("derives unique, increasing ts from the sandbox clock", async () => {
    await withSandbox(slackSeed(), async (sandbox) => {
      const slack = client(sandbox);
      const ts: string[] = [];
      for (let i = 0; i < 4; i++)
        ts.push((await slack.chat.postMessage({ channel: OPS, text: `n${i}` })).ts as string);
      expect(new Set(ts).size).toBe(4);
      expect([...ts].sort()).toEqual(ts);
      await fetch(`${sandbox.url}/_sandbox/clock`, {
        method: "POST",
        body: JSON.stringify({ advance: "P1D" }),
      });
      const later = (await slack.chat.postMessage({ channel: OPS, text: "tomorrow" })).ts as string;
      expect(secondsAfter("2026-11-21T09:00:00Z", later)).toBeLessThan(30);
    });
  });

  it("accepts JSON bodies and a token argument as Slack does", async () => {
    await withSandbox(slackSeed(), async (sandbox) => {
      const viaJson = await fetch(`${sandbox.env.SLACK_API_URL}chat.postMessage`, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8", authorization: "Bearer xoxb-sandbox" },
        body: JSON.stringify({ channel: STAGES, text: "json", blocks: [section("from *JSON*")] }),
      });
      expect(viaJson.status).toBe(200);
      expect(await viaJson.json()).toMatchObject({ ok: true, channel: STAGES });
      const viaForm = await fetch(`${sandbox.env.SLACK_API_URL}auth.test`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "token=xoxb-sandbox",
      });
      expect(await viaForm.json()).toMatchObject({ ok: true, user_id: "U0SANDBOX1", team_id: "T0SANDBOX" });
      const badJson = await fetch(`${sandbox.env.SLACK_API_URL}chat.postMessage`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer xoxb-sandbox" },
        body: "{nope",
      });
      expect(await badJson.json()).toEqual({ ok: false, error: "invalid_json" });
    });
  });

  it("updates the bot's own messages, keeps their history and refuses the others", async () => {
    await withSandbox(slackSeed(), async (sandbox) => {
      const slack = client(sandbox);
      const posted = await slack.chat.postMessage({
        channel: STAGES,
        text: "v1",
        blocks: [section("first")],
      });
      const ts = posted.ts as string;
      const updated = await slack.chat.update({ channel: STAGES, ts, text: "v2" });
      expect(updated).toMatchObject({ ok: true, channel: STAGES, ts, text: "v2" });
      // Blocks the update leaves out stay; an empty array removes them.
      expect(updated.message?.blocks).toHaveLength(1);
      const cleared = await slack.chat.update({ channel: STAGES, ts, text: "v3", blocks: [] });
      expect(cleared.message?.blocks).toBeUndefined();
      expect(cleared.message?.edited).toBeDefined();
      const [stored] = await messages(sandbox);
      expect(stored?.text).toBe("v3");
      expect(stored?.edits.map((e) => e.text)).toEqual(["v1", "v2"]);

      expect(
        await platformError(slack.chat.update({ channel: STAGES, ts: "1000000000.000001", text: "x" })),
      ).toBe("message_not_found");
      expect(await platformError(slack.apiCall("chat.update", { channel: STAGES, ts }))).toBe("no_text");
      const human = await control(sandbox, "messages", { channel: STAGES, user: "U0ALICE", text: "hi bot" });
      expect(
        await platformError(slack.chat.update({ channel: STAGES, ts: String(human.ts), text: "x" })),
      ).toBe("cant_update_message");
      const otherApp = client(sandbox, "xoxb-other-app");
      expect(await platformError(otherApp.chat.update({ channel: STAGES, ts, text: "mine now" }))).toBe(
        "cant_update_message",
      );
    });
  });

  it("posts ephemeral messages that only their user sees", async () => {
    await withSandbox(slackSeed(), async (sandbox) => {
      const slack = client(sandbox);
      const sent = await slack.chat.postEphemeral({ channel: STAGES, user: "U0ALICE", text: "only you" });
      expect(sent.message_ts).toMatch(/^\d{10}\.\d{6}$/);
      expect((await slack.conversations.history({ channel: STAGES })).messages).toEqual([]);
      const [stored] = await messages(sandbox);
      expect(stored).toMatchObject({ ephemeral: "U0ALICE", text: "only you" });

      expect(
        await platformError(slack.chat.postEphemeral({ channel: STAGES, user: "U0NOBODY", text: "x" })),
      ).toBe("user_not_in_channel");
      const missingUser = await failure(slack.apiCall("chat.postEphemeral", { channel: STAGES, text: "x" }));
      expect(missingUser.data?.error).toBe("invalid_arguments");
      expect(missingUser.data?.response_metadata?.messages).toEqual(["[ERROR] missing required field: user"]);
    });
  });

  it("answers Slack's errors for auth, channels and content", async () => {
    await withSandbox(slackSeed(), async (sandbox) => {
      const slack = client(sandbox);
      await control(sandbox, "rate-limit", { perSecond: 0 });
      expect(await platformError(client(sandbox, "xoxb-wrong").auth.test())).toBe("invalid_auth");
      expect(await platformError(client(sandbox, "").auth.test())).toBe("not_authed");
      expect(await platformError(slack.chat.postMessage({ channel: "C0NOPE", text: "x" }))).toBe(
        "channel_not_found",
      );
      expect(await platformError(slack.chat.postMessage({ channel: "#nope", text: "x" }))).toBe(
        "channel_not_found",
      );
      expect(await platformError(slack.chat.postMessage({ channel: ARCHIVED, text: "x" }))).toBe(
        "is_archived",
      );
      expect(await platformError(slack.apiCall("chat.postMessage", { channel: STAGES }))).toBe("no_text");
      expect(await platformError(slack.chat.postMessage({ channel: STAGES, text: "x".repeat(40_001) }))).toBe(
        "msg_too_long",
      );
      expect((await slack.chat.postMessage({ channel: OPS, text: "x".repeat(40_000) })).ok).toBe(true);
      expect(
        await platformError(
          slack.apiCall("chat.postMessage", { channel: STAGES, text: "x", blocks: "[{oops" }),
        ),
      ).toBe("invalid_blocks_format");
      expect(
        await platformError(
          slack.apiCall("chat.postMessage", { channel: STAGES, text: "x", blocks: '{"a":1}' }),
        ),
      ).toBe("invalid_blocks_format");
      // Five full sections: each within its own limit, together over the message's cumulative limit.
      const long = Array.from({ length: 5 }, () => section("y".repeat(2900)));
      expect(await platformError(slack.chat.postMessage({ channel: STAGES, text: "x", blocks: long }))).toBe(
        "msg_blocks_too_long",
      );
      expect(await platformError(slack.apiCall("chat.nonsense", { channel: STAGES }))).toBe("unknown_method");
      expect((await messages(sandbox)).map((m) => m.channel)).toEqual([OPS]);
    });
  });

  it("rejects blocks over Block Kit's limits with json-pointer errors", async () => {
    await withSandbox(slackSeed(), async (sandbox) => {
      const slack = client(sandbox);
      const tooLong = await failure(
        slack.chat.postMessage({ channel: STAGES, text: "x", blocks: [section("z".repeat(3001))] }),
      );
      expect(tooLong.code).toBe("slack_webapi_platform_error");
      expect(tooLong.data?.error).toBe("invalid_blocks");
      expect(tooLong.data?.errors).toEqual([
        "failed to match all allowed schemas [json-pointer:/blocks/0/text]",
        "must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
      ]);
      expect(tooLong.data?.response_metadata?.messages?.[1]).toBe(
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
      );

      const fifty = Array.from({ length: 50 }, (_, i) => section(`row ${i}`));
      expect((await slack.chat.postMessage({ channel: STAGES, text: "x", blocks: fifty })).ok).toBe(true);
      const fiftyOne = await failure(
        slack.chat.postMessage({ channel: STAGES, text: "x", blocks: [...fifty, section("one too many")] }),
      );
      expect(fiftyOne.data?.error).toBe("invalid_blocks");
      expect(fiftyOne.data?.errors).toEqual(["no more than 50 items allowed [json-pointer:/blocks]"]);
    });
  });

  it("limits chat.postMessage to about one message a second per channel, with short bursts", async () => {
    await withSandbox(slackSeed(), async (sandbox) => {
      const slack = client(sandbox, undefined, { rejectRateLimitedCalls: true });
      // Eight at once: the default bucket lets a burst of five through.
      const burst = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => slack.chat.postMessage({ channel: STAGES, text: `burst ${i}` })),
      );
      const posted = burst.filter((r) => r.status === "fulfilled").length;
      expect(posted).toBeGreaterThanOrEqual(5);
      expect(posted).toBeLessThanOrEqual(6);
      for (const result of burst) {
        if (result.status === "fulfilled") continue;
        const limited = result.reason as SlackFailure;
        expect(limited.code).toBe("slack_webapi_rate_limited_error");
        expect(limited.retryAfter).toBeGreaterThanOrEqual(1);
      }
      // The limit is per channel.
      expect((await slack.chat.postMessage({ channel: OPS, text: "elsewhere" })).ok).toBe(true);

      // A bucket of one that barely refills: the second message is refused, whatever the machine's speed.
      expect(await control(sandbox, "rate-limit", { perSecond: 0.01, burst: 1 })).toEqual({
        perSecond: 0.01,
        burst: 1,
      });
      const send = () =>
        fetch(`${sandbox.env.SLACK_API_URL}chat.postMessage`, {
          method: "POST",
          headers: {
            authorization: "Bearer xoxb-sandbox",
            "content-type": "application/x-www-form-urlencoded",
          },
          body: `channel=${OPS}&text=again`,
        });
      expect((await send()).status).toBe(200);
      const raw = await send();
      expect(raw.status).toBe(429);
      expect(Number(raw.headers.get("retry-after"))).toBeGreaterThanOrEqual(99);
      expect(await raw.json()).toEqual({ ok: false, error: "ratelimited" });

      expect(await control(sandbox, "rate-limit", { perSecond: 0 })).toMatchObject({ perSecond: 0 });
      for (let i = 0; i < 10; i++) await slack.chat.postMessage({ channel: STAGES, text: `free ${i}` });
      expect((await messages(sandbox)).filter((m) => m.channel === STAGES)).toHaveLength(posted + 10);
    });
  });

  it("answers injected faults as Slack does: 429 ratelimited and a 5xx", async () => {
    await withSandbox(slackSeed(), async (sandbox) => {
      const slack = client(sandbox, undefined, { rejectRateLimitedCalls: true });
      sandbox.faults.add({ service: "slack", operation: "chat.postMessage", kind: "throttle", count: 1 });
      const throttled = await failure(slack.chat.postMessage({ channel: STAGES, text: "x" }));
      expect(throttled.code).toBe("slack_webapi_rate_limited_error");
      expect(throttled.retryAfter).toBe(1);

      await fetch(`${sandbox.url}/_sandbox/faults`, {
        method: "POST",
        body: JSON.stringify({ service: "slack", operation: "chat.postMessage", kind: "error", count: 1 }),
      });
      const broken = await failure(slack.chat.postMessage({ channel: STAGES, text: "x" }));
      expect(broken.code).toBe("slack_webapi_http_error");
      expect(broken.statusCode).toBe(500);
      expect((await slack.chat.postMessage({ channel: STAGES, text: "x" })).ok).toBe(true);
      expect(sandbox.requests.get("slack.chat.postMessage")).toBe(3);
    });
  });

  it("pages conversations.history with a cursor, newest first", async () => {
    await withSandbox(slackSeed(), async (sandbox) => {
      const slack = client(sandbox);
      await control(sandbox, "rate-limit", { perSecond: 0 });
      for (let i = 1; i <= 7; i++) await slack.chat.postMessage({ channel: OPS, text: `m${i}` });
      const seen: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await slack.conversations.history({
          channel: OPS,
          limit: 3,
          ...(cursor ? { cursor } : {}),
        });
        seen.push((page.messages ?? []).map((m) => m.text ?? ""));
        cursor = page.response_metadata?.next_cursor || undefined;
        expect(page.has_more).toBe(Boolean(cursor));
      } while (cursor);
      expect(seen).toEqual([["m7", "m6", "m5"], ["m4", "m3", "m2"], ["m1"]]);
      expect(await platformError(slack.conversations.history({ channel: OPS, cursor: "bm9wZQ==" }))).toBe(
        "invalid_cursor",
      );
    });
  });

  it("describes the workspace: auth.test, users.info, conversations.info, chat.getPermalink", async () => {
    await withSandbox(slackSeed(), async (sandbox) => {
      const slack = client(sandbox);
      expect(await slack.auth.test()).toMatchObject({ ok: true, team_id: "T0SANDBOX", bot_id: "B0SANDBOX1" });
      expect((await slack.users.info({ user: "U0BOB" })).user).toMatchObject({ id: "U0BOB", name: "bob" });
      expect(await platformError(slack.users.info({ user: "U0NOBODY" }))).toBe("user_not_found");
      expect((await slack.conversations.info({ channel: ARCHIVED })).channel).toMatchObject({
        id: ARCHIVED,
        name: "old-alerts",
        is_archived: true,
      });
      const posted = await slack.chat.postMessage({ channel: STAGES, text: "link me" });
      const link = await slack.chat.getPermalink({ channel: STAGES, message_ts: posted.ts as string });
      expect(link.permalink).toBe(
        `https://sandbox.slack.com/archives/${STAGES}/p${(posted.ts as string).replace(".", "")}`,
      );
    });
  });
});

describe("sandbox Slack: Block Kit validator", () => {
  const errors = (blocks: unknown) => {
    const verdict = checkBlocks(blocks);
    return verdict.ok ? [] : "errors" in verdict ? verdict.errors : [verdict.error];
  };
  const text = (n: number, type = "mrkdwn") => ({ type, text: "a".repeat(n) });
  const actions = (elements: unknown[]) => [{ type: "actions", elements }];

  it.each([
    ["section fields: 10", [{ type: "section", fields: Array(10).fill(text(1000)) }], []],
    ["section field of 2000", [{ type: "section", fields: [text(2000)] }], []],
    [
      "section fields: 11",
      [{ type: "section", fields: Array(11).fill(text(1)) }],
      ["no more than 10 items allowed [json-pointer:/blocks/0/fields]"],
    ],
    [
      "section field over 2000",
      [{ type: "section", fields: [text(2001)] }],
      ["must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]"],
    ],
    [
      "section without text or fields",
      [{ type: "section" }],
      ["must define either `text` or `fields` [json-pointer:/blocks/0/type]"],
    ],
    [
      "empty section text",
      [{ type: "section", text: text(0) }],
      [
        "failed to match all allowed schemas [json-pointer:/blocks/0/text]",
        "must be more than 0 characters [json-pointer:/blocks/0/text/text]",
      ],
    ],
    ["header of 150", [{ type: "header", text: text(150, "plain_text") }], []],
    [
      "header of 151",
      [{ type: "header", text: text(151, "plain_text") }],
      ["must be less than 151 characters [json-pointer:/blocks/0/text/text]"],
    ],
    [
      "mrkdwn header",
      [{ type: "header", text: text(5) }],
      ["must be a valid enum value [json-pointer:/blocks/0/text/type]"],
    ],
    [
      "context of 11 elements",
      [{ type: "context", elements: Array(11).fill(text(1)) }],
      ["no more than 10 items allowed [json-pointer:/blocks/0/elements]"],
    ],
    ["actions of 25 buttons", actions(Array.from({ length: 25 }, (_, i) => button("b", `a${i}`))), []],
    [
      "actions of 26 buttons",
      actions(Array.from({ length: 26 }, (_, i) => button("b", `a${i}`))),
      ["no more than 25 items allowed [json-pointer:/blocks/0/elements]"],
    ],
    [
      "button text over 75",
      actions([button("b".repeat(76), "a")]),
      ["must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]"],
    ],
    [
      "button value over 2000",
      actions([button("b", "a", { value: "v".repeat(2001) })]),
      ["must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]"],
    ],
    [
      "button url over 3000",
      actions([button("b", "a", { url: `https://x/${"u".repeat(2991)}` })]),
      ["must be less than 3001 characters [json-pointer:/blocks/0/elements/0/url]"],
    ],
    [
      "button style",
      actions([button("b", "a", { style: "loud" })]),
      ["must be a valid enum value [json-pointer:/blocks/0/elements/0/style]"],
    ],
    [
      "action_id over 255",
      actions([button("b", "a".repeat(256))]),
      ["must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]"],
    ],
    [
      "block_id over 255",
      [{ type: "divider", block_id: "d".repeat(256) }],
      ["must be less than 256 characters [json-pointer:/blocks/0/block_id]"],
    ],
    [
      "duplicate block_id",
      [
        { type: "divider", block_id: "x" },
        { type: "divider", block_id: "x" },
      ],
      ['`block_id` "x" already exists [json-pointer:/blocks/1/block_id]'],
    ],
    [
      "duplicate action_id in one block",
      actions([button("a", "keep"), button("b", "keep")]),
      ['`action_id` "keep" already exists [json-pointer:/blocks/0/elements/1/action_id]'],
    ],
    [
      "the same action_id in two blocks",
      [...actions([button("a", "keep")]), ...actions([button("b", "keep")])],
      [],
    ],
    ["markdown of 12000", [{ type: "markdown", text: "m".repeat(12_000) }], []],
    [
      "markdown over 12000",
      [{ type: "markdown", text: "m".repeat(12_001) }],
      ["must be less than 12001 characters [json-pointer:/blocks/0/text]"],
    ],
    [
      "unknown block type",
      [{ type: "sections" }],
      ["unsupported type: sections [json-pointer:/blocks/0/type]"],
    ],
    [
      "unknown element type",
      actions([{ type: "slider", action_id: "s" }]),
      ["unsupported type: slider [json-pointer:/blocks/0/elements/0/type]"],
    ],
    [
      "additional property",
      [{ type: "divider", colour: "red" }],
      ["invalid additional property: colour [json-pointer:/blocks/0]"],
    ],
    ["a block that is not an object", ["divider"], ["must provide an object [json-pointer:/blocks/0]"]],
    [
      "image without alt_text",
      [{ type: "image", image_url: "https://example.com/a.png" }],
      ["missing required field: alt_text [json-pointer:/blocks/0]"],
    ],
    [
      "rich_text",
      [
        {
          type: "rich_text",
          elements: [{ type: "rich_text_section", elements: [{ type: "text", text: "hi" }] }],
        },
      ],
      [],
    ],
  ])("%s", (_name, blocks, expected) => {
    expect(errors(blocks)).toEqual(expected);
  });

  it("keeps its limits in one table, as WIRE.md §6.1 lists them", () => {
    expect(LIMITS).toMatchObject({ blocks: 50, sectionText: 3000, headerText: 150, actionsElements: 25 });
    expect(errors("not json")).toEqual(["invalid_blocks_format"]);
    expect(errors('"a string"')).toEqual(["invalid_blocks_format"]);
    expect(errors(Array(6).fill(section("t".repeat(2500))))).toEqual(["msg_blocks_too_long"]);
  });
});

describe("sandbox Slack: response_url", () => {
  async function respond(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() };
  }

  it("takes five replies within thirty minutes and then refuses", async () => {
    await withSandbox(slackSeed(), async (sandbox) => {
      const { url } = (await control(sandbox, "response-urls", { channel: STAGES, user: "U0ALICE" })) as {
        url: string;
      };
      expect(url).toMatch(new RegExp(`^${sandbox.url}/slack/response/`));
      expect((await respond(url, { text: "working on it" })).status).toBe(200);
      expect(
        (await respond(url, { response_type: "in_channel", text: "alice removed shop/pr-12" })).status,
      ).toBe(200);
      expect((await respond(url, { text: "3", blocks: [section("three")] })).status).toBe(200);
      expect((await respond(url, { text: "4" })).status).toBe(200);
      expect((await respond(url, { text: "5" })).status).toBe(200);
      const sixth = await respond(url, { text: "6" });
      expect(sixth).toEqual({ status: 404, json: { ok: false, error: "expired_url" } });

      const stored = await messages(sandbox);
      expect(stored.map((m) => [m.text, m.ephemeral ?? "channel"])).toEqual([
        ["working on it", "U0ALICE"],
        ["alice removed shop/pr-12", "channel"],
        ["3", "U0ALICE"],
        ["4", "U0ALICE"],
        ["5", "U0ALICE"],
      ]);
      expect(stored.every((m) => m.via === "response_url")).toBe(true);
      const history = await client(sandbox).conversations.history({ channel: STAGES });
      expect(history.messages?.map((m) => m.text)).toEqual(["alice removed shop/pr-12"]);

      const late = (await control(sandbox, "response-urls", { channel: STAGES, user: "U0ALICE" })) as {
        url: string;
      };
      await fetch(`${sandbox.url}/_sandbox/clock`, {
        method: "POST",
        body: JSON.stringify({ advance: "PT31M" }),
      });
      expect(await respond(late.url, { text: "too late" })).toEqual({
        status: 404,
        json: { ok: false, error: "expired_url" },
      });
    });
  });

  it("replaces and deletes the original message, and checks the blocks it is sent", async () => {
    await withSandbox(slackSeed(), async (sandbox) => {
      const slack = client(sandbox);
      const posted = await slack.chat.postMessage({
        channel: STAGES,
        text: "Remove shop/pr-12?",
        blocks: digestBlocks,
      });
      const { url } = (await control(sandbox, "response-urls", {
        channel: STAGES,
        user: "U0ALICE",
        message_ts: posted.ts,
      })) as { url: string };
      const bad = await respond(url, { replace_original: true, blocks: [section("")] });
      expect(bad.status).toBe(400);
      expect(bad.json).toMatchObject({ ok: false, error: "invalid_blocks" });
      expect((await respond(url, { replace_original: true, text: "Removing shop/pr-12…" })).status).toBe(200);
      const [original] = await messages(sandbox);
      expect(original).toMatchObject({ ts: posted.ts, text: "Removing shop/pr-12…" });
      expect(original?.blocks).toBeUndefined();
      expect((await respond(url, { delete_original: true })).status).toBe(200);
      expect((await slack.conversations.history({ channel: STAGES })).messages).toEqual([]);
    });
  });
});

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A stand-in for the service under test: records what Slack sent and answers with `reply`. */
async function withReceiver(
  reply: (received: Received) => Promise<{ status?: number; body?: string; type?: string }>,
  run: (url: string, received: Received[]) => Promise<void>,
): Promise<void> {
  const received: Received[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const entry = { headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
    received.push(entry);
    const answer = await reply(entry);
    res.writeHead(answer.status ?? 200, { "content-type": answer.type ?? "application/json" });
    res.end(answer.body ?? "");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`, received);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Slack's v0 scheme, computed here independently of the sandbox's signSlackRequest. */
function verifies(secret: string, received: Received): boolean {
  const timestamp = String(received.headers["x-slack-request-timestamp"]);
  const expected = `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${received.body}`).digest("hex")}`;
  const signature = Buffer.from(String(received.headers["x-slack-signature"]));
  return signature.length === expected.length && timingSafeEqual(signature, Buffer.from(expected));
}

describe("sandbox Slack: driver for slash commands and buttons", () => {
  const secret = "8f742231b10e8888abcd99yyyzzz85a5";

  it("signs requests with Slack's v0 scheme", () => {
    // The example from Slack's documentation on verifying requests.
    const body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    expect(signSlackRequest(secret, 1531420618, body)).toBe(
      "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    );
  });

  it("sends a signed slash command with a fresh response_url", async () => {
    await withSandbox(slackSeed(), async (sandbox) => {
      await withReceiver(
        async () => ({
          body: JSON.stringify({ response_type: "ephemeral", text: "Looking up shop/pr-12…" }),
        }),
        async (target, received) => {
          const result = (await control(sandbox, "command", {
            target,
            signingSecret: secret,
            command: "/stages",
            text: "cost shop/pr-12",
            user: "U0BOB",
            channel: STAGES,
          })) as { status: number; json: unknown; responseUrl: string };
          expect(result.status).toBe(200);
          expect(result.json).toEqual({ response_type: "ephemeral", text: "Looking up shop/pr-12…" });
          const [request] = received;
          if (!request) throw new Error("nothing received");
          expect(request.headers["content-type"]).toBe("application/x-www-form-urlencoded");
          expect(
            secondsAfter("2026-11-20T09:00:00Z", request.headers["x-slack-request-timestamp"]),
          ).toBeLessThan(30);
          expect(verifies(secret, request)).toBe(true);
          expect(verifies("another-secret", request)).toBe(false);
          const form = Object.fromEntries(new URLSearchParams(request.body));
          expect(form).toMatchObject({
            team_id: "T0SANDBOX",
            channel_id: STAGES,
            channel_name: "stages",
            user_id: "U0BOB",
            user_name: "bob",
            command: "/stages",
            text: "cost shop/pr-12",
            api_app_id: "A0SANDBOX1",
            is_enterprise_install: "false",
            response_url: result.responseUrl,
          });
          expect(form.trigger_id).toMatch(/^\d+\.\d+\.[0-9a-f]+$/);
          expect(Object.keys(form)).toEqual(
            expect.arrayContaining(["token", "team_domain", "response_url", "trigger_id"]),
          );

          const later = await fetch(result.responseUrl, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ text: "shop/pr-12 costs $1.23 a day" }),
          });
          expect(later.status).toBe(200);
          const shown = await messages(sandbox);
          expect(shown.map((m) => [m.text, m.ephemeral])).toEqual([
            ["Looking up shop/pr-12…", "U0BOB"],
            ["shop/pr-12 costs $1.23 a day", "U0BOB"],
          ]);
        },
      );
    });
  });

  it("sends a block_actions payload for a button of a message", async () => {
    await withSandbox(slackSeed(), async (sandbox) => {
      const posted = await client(sandbox).chat.postMessage({
        channel: STAGES,
        text: "digest",
        blocks: digestBlocks,
      });
      await withReceiver(
        async () => ({ body: "" }),
        async (target, received) => {
          const result = (await control(sandbox, "action", {
            target,
            signingSecret: secret,
            actionId: "remove",
            messageTs: posted.ts,
            user: "U0ALICE",
            channel: STAGES,
          })) as { status: number; responseUrl: string };
          expect(result.status).toBe(200);
          const [request] = received;
          if (!request) throw new Error("nothing received");
          expect(verifies(secret, request)).toBe(true);
          const form = new URLSearchParams(request.body);
          expect([...form.keys()]).toEqual(["payload"]);
          const payload = JSON.parse(form.get("payload") ?? "{}");
          expect(payload).toMatchObject({
            type: "block_actions",
            user: { id: "U0ALICE", username: "alice", team_id: "T0SANDBOX" },
            team: { id: "T0SANDBOX" },
            channel: { id: STAGES, name: "stages" },
            container: { type: "message", message_ts: posted.ts, channel_id: STAGES, is_ephemeral: false },
            message: { ts: posted.ts, text: "digest" },
            response_url: result.responseUrl,
            actions: [
              {
                type: "button",
                block_id: "expiring:shop/pr-12",
                action_id: "remove",
                value: "111111111111/us-east-1/shop/pr-12",
                style: "danger",
                text: { type: "plain_text", text: "Remove now" },
              },
            ],
          });
          expect(payload.actions[0].action_ts).toMatch(/^\d{10}\.\d{6}$/);

          const replaced = await fetch(result.responseUrl, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              replace_original: true,
              text: "Removal of shop/pr-12 requested by <@U0ALICE>",
            }),
          });
          expect(replaced.status).toBe(200);
          const [message] = await messages(sandbox);
          expect(message?.text).toBe("Removal of shop/pr-12 requested by <@U0ALICE>");
        },
      );
    });
  });

  it("gives up on a service that does not answer within its timeout, as Slack does after 3 s", async () => {
    await withSandbox(slackSeed(), async (sandbox) => {
      await withReceiver(
        async () => {
          await new Promise((resolve) => setTimeout(resolve, 400));
          return { body: "" };
        },
        async (target) => {
          const result = await control(sandbox, "command", {
            target,
            signingSecret: secret,
            command: "/stages",
            text: "list",
            timeoutMs: 100,
          });
          expect(result).toMatchObject({ status: 0, error: "operation_timeout" });
        },
      );
    });
  });
});

describe("sandbox Slack: HTML view of the channels", () => {
  it("draws messages, threads and blocks, and escapes what people wrote", async () => {
    await withSandbox(slackSeed(), async (sandbox) => {
      const slack = client(sandbox);
      const posted = await slack.chat.postMessage({ channel: STAGES, text: "digest", blocks: digestBlocks });
      await slack.chat.postMessage({
        channel: STAGES,
        thread_ts: posted.ts as string,
        text: "pwned? <script>alert(1)</script> <https://example.com/a?b=1&c=2|the dashboard> <javascript:alert(2)|click>",
      });
      await control(sandbox, "messages", {
        channel: OPS,
        user: "U0BOB",
        text: '"><img src=x onerror=alert(3)>',
      });
      const res = await fetch(`${sandbox.url}/_sandbox/slack`);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      const page = await res.text();
      expect(page).toContain("Stages on 20 Nov 2026");
      expect(page).toContain('class="button danger"');
      expect(page).toContain("<b>3 stages</b>");
      expect(page).toContain('<span class="mention">@alice</span>');
      expect(page).toContain('<div class="thread">');
      expect(page).toContain('href="https://example.com/a?b=1&#38;c=2"');
      expect(page).not.toContain("<script>");
      expect(page).not.toContain('javascript:alert(2)"');
      expect(page).not.toMatch(/href="javascript/);
      expect(page).not.toContain("<img");
      expect(page).toContain("&#60;script&#62;alert(1)&#60;/script&#62;");
    });
  });
});
