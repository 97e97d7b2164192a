import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { type Sandbox, startSandbox } from "../../sandbox/src/index.js";
import type { SlackDeps } from "../src/slack/deps.js";
import { handleSlackRequest, type SlackHttpResponse } from "../src/slack/handler.js";
import type { SlackActionMessage } from "../src/slack/message.js";
import { useSandboxEnv } from "./sandbox-env.js";
import {
  ADMIN,
  ALICE,
  CHANNEL,
  dailySnapshot,
  ledgerKeys,
  seconds,
  sign,
  slackConfig,
  slackDeps,
  slackSeed,
} from "./slack-fixtures.js";

export interface Send {
  headers?: Record<string, string | undefined>;
  timestamp?: number;
  method?: string;
  secret?: string;
}

/**
 * One sandbox with a daily run's snapshot for a whole test file, and fresh handler deps before each test:
 * signed requests go straight to handleSlackRequest, replies to the sandbox's response_url endpoint.
 */
export function slackHarness() {
  const h = {
    sandbox: undefined as unknown as Sandbox,
    deps: undefined as unknown as SlackDeps,
    enqueued: [] as SlackActionMessage[],
    before: [] as string[],
  };
  let restore = () => {};
  beforeAll(async () => {
    h.sandbox = await startSandbox({ seed: slackSeed() });
    restore = useSandboxEnv(h.sandbox);
    await dailySnapshot(h.sandbox, slackConfig());
  });
  afterAll(async () => {
    restore();
    await h.sandbox.close();
  });
  beforeEach(async () => {
    ({ deps: h.deps, enqueued: h.enqueued } = slackDeps(h.sandbox, slackConfig()));
    h.before = await ledgerKeys(h.deps.store);
  });

  const send = (body: string, options: Send = {}): Promise<SlackHttpResponse> => {
    const timestamp = options.timestamp ?? seconds(h.sandbox);
    const headers: Record<string, string | undefined> = {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": sign(body, timestamp, options.secret),
      ...options.headers,
    };
    return handleSlackRequest(h.deps, { method: options.method ?? "POST", headers, body });
  };

  const responseUrl = async (): Promise<string> => {
    const res = await fetch(`${h.sandbox.url}/_sandbox/slack/response-urls`, {
      method: "POST",
      body: JSON.stringify({ channel: CHANNEL, user: ALICE }),
    });
    return ((await res.json()) as { url: string }).url;
  };

  return {
    h,
    send,
    responseUrl,
    command: (text: string, user = ALICE, extra: Record<string, string> = {}) =>
      new URLSearchParams({
        command: "/stages",
        text,
        user_id: user,
        channel_id: CHANNEL,
        response_url: "https://hooks.slack.com/commands/T/1/x",
        ...extra,
      }).toString(),
    reply: (response: SlackHttpResponse) =>
      JSON.parse(response.body) as { response_type: string; text: string; blocks?: unknown[] },
    click: async (
      actionId: string,
      value: string,
      options: { user?: string; actionTs?: string; url?: string } = {},
    ) => {
      const payload = {
        type: "block_actions",
        user: { id: options.user ?? ADMIN },
        response_url: options.url ?? (await responseUrl()),
        actions: [
          {
            type: "button",
            action_id: actionId,
            block_id: "b",
            value,
            action_ts: options.actionTs ?? "1763629200.000100",
          },
        ],
      };
      return send(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
    },
    shown: async (): Promise<{ text: string; ephemeral?: string; blocks?: unknown[] }[]> => {
      const res = await fetch(`${h.sandbox.url}/_sandbox/slack/messages?channel=${CHANNEL}`);
      return ((await res.json()) as { messages: { text: string; ephemeral?: string }[] }).messages;
    },
    nothingDone: async () => {
      expect(h.enqueued).toEqual([]);
      expect(await ledgerKeys(h.deps.store)).toEqual(h.before);
    },
  };
}
