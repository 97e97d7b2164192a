// The end-to-end harness of test/slack.e2e.test.ts.
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { expect } from "vitest";
import type { Sandbox } from "../../sandbox/src/index.js";
import { withSandbox } from "../../sandbox/test/fixtures.js";
import { sqsClient } from "../src/aws/clients.js";
import { targetLookup } from "../src/aws/targets.js";
import type { Config } from "../src/config/index.js";
import { enqueueRemoval, queueUrl } from "../src/removal/request.js";
import { SLACK_ACTIONS, stageButtonValue } from "../src/slack/actions.js";
import { queueSender } from "../src/slack/deps.js";
import { isSlackActionMessage } from "../src/slack/message.js";
import { handleSlackAction, type SlackActionResult } from "../src/slack/worker-action.js";
import { useSandboxEnv } from "./sandbox-env.js";
import {
  CHANNEL,
  DEV,
  dailySnapshot,
  SECRET,
  serveSlack,
  slackConfig,
  slackDeps,
  slackSeed,
} from "./slack-fixtures.js";

export const key = (stage: string) => ({ account: DEV, region: "us-east-1", app: "shop", stage });

export interface Shown {
  ts: string;
  text: string;
  ephemeral?: string;
  blocks?: { type: string; elements?: { action_id: string }[] }[];
  edits: unknown[];
}

export interface World {
  sandbox: Sandbox;
  config: Config;
  target: string;
  command: (text: string, user: string, extra?: Record<string, unknown>) => Promise<DriverResult>;
  click: (
    actionId: string,
    messageTs: string,
    user: string,
    extra?: Record<string, unknown>,
  ) => Promise<DriverResult>;
  messages: () => Promise<Shown[]>;
  /** The removal worker's part: every Slack action on the queue goes to handleSlackAction. */
  work: () => Promise<SlackActionResult[]>;
  queued: () => Promise<unknown[]>;
}

export interface DriverResult {
  status: number;
  body: string;
  json?: { text: string; response_type: string };
  elapsedMs: number;
  error?: string;
}

/**
 * One sandbox per test with a daily run's snapshot, the Slack handler served on a local port with the real
 * removal queue, and the sandbox's Slack driver sending it signed commands and clicks. `work` plays the
 * removal worker's part for Slack actions; everything else it finds on the queue is kept for `queued`.
 */
export async function withSlack(run: (world: World) => Promise<void>): Promise<void> {
  await withSandbox(slackSeed(), async (sandbox) => {
    const restore = useSandboxEnv(sandbox);
    const config = slackConfig();
    const sqs = sqsClient({ region: "us-east-1" });
    const url = await queueUrl(sqs, "stagekeeper-removals");
    const { deps } = slackDeps(sandbox, config, { enqueue: queueSender(sqs, "stagekeeper-removals") });
    const server = await serveSlack(deps);
    try {
      await dailySnapshot(sandbox, config);
      const drive = async (route: string, body: Record<string, unknown>) => {
        const res = await fetch(`${sandbox.url}/_sandbox/slack/${route}`, {
          method: "POST",
          body: JSON.stringify({ target: server.url, signingSecret: SECRET, channel: CHANNEL, ...body }),
        });
        expect(res.status).toBe(200);
        return (await res.json()) as DriverResult;
      };
      const receive = async () => {
        const out = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        return (out.Messages ?? []).map((m) => JSON.parse(m.Body ?? "null") as unknown);
      };
      const pending: unknown[] = [];
      const world: World = {
        sandbox,
        config,
        target: server.url,
        command: (text, user, extra = {}) => drive("command", { command: "/stages", text, user, ...extra }),
        click: (actionId, messageTs, user, extra = {}) =>
          drive("action", { actionId, messageTs, user, ...extra }),
        messages: async () => {
          const res = await fetch(`${sandbox.url}/_sandbox/slack/messages?channel=${CHANNEL}`);
          return ((await res.json()) as { messages: Shown[] }).messages;
        },
        work: async () => {
          const results: SlackActionResult[] = [];
          const target = await targetLookup(config, "us-east-1");
          for (const message of await receive()) {
            if (!isSlackActionMessage(message)) {
              pending.push(message);
              continue;
            }
            const actionDeps = {
              store: deps.store,
              config,
              now: sandbox.clock.now(),
              target,
              startRemoval: (request: Parameters<typeof enqueueRemoval>[2]) =>
                enqueueRemoval(sqs, url, request),
            };
            results.push(await handleSlackAction(actionDeps, message));
          }
          return results;
        },
        queued: async () => [...pending.splice(0), ...(await receive())],
      };
      await run(world);
    } finally {
      await server.close();
      restore();
    }
  });
}

/** The newest message with a button of this action id, as Slack shows it to that user. */
export async function withButton(world: World, actionId: string, user?: string): Promise<Shown> {
  const found = (await world.messages())
    .filter(
      (m) =>
        (user === undefined || m.ephemeral === user) &&
        JSON.stringify(m.blocks ?? []).includes(`"${actionId}"`),
    )
    .at(-1);
  if (!found) throw new Error(`no message with ${actionId}`);
  return found;
}

export function digestBlocks(stage: string) {
  const value = stageButtonValue(key(stage));
  return [
    {
      type: "section",
      block_id: `expiring:shop/${stage}`,
      text: { type: "mrkdwn", text: `*shop/${stage}* expires soon` },
    },
    {
      type: "actions",
      block_id: `buttons:shop/${stage}`,
      elements: [
        {
          type: "button",
          action_id: SLACK_ACTIONS.keep7d,
          text: { type: "plain_text", text: "Keep 7 days" },
          value,
        },
        {
          type: "button",
          action_id: SLACK_ACTIONS.removeNow,
          text: { type: "plain_text", text: "Remove now" },
          style: "danger",
          value,
        },
      ],
    },
  ];
}

export function confirmBlocks(stage: string) {
  const value = stageButtonValue(key(stage));
  return [
    {
      type: "actions",
      elements: [
        {
          type: "button",
          action_id: SLACK_ACTIONS.confirmRemove,
          text: { type: "plain_text", text: "Confirm removal" },
          value,
        },
      ],
    },
  ];
}
