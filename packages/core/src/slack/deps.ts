import type { SQSClient } from "@aws-sdk/client-sqs";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { s3Client, sqsClient } from "../aws/clients.js";
import { type Config, ConfigError } from "../config/index.js";
import { LedgerStore } from "../ledger/store.js";
import { queueUrl } from "../removal/request.js";
import { type SlackActionMessage, slackActionMessageSchema } from "./message.js";
import type { SlackReply } from "./replies.js";

export interface SlackDeps {
  config: Config;
  store: LedgerStore;
  /** The Slack app's signing secret: every request is checked against it. */
  signingSecret: string;
  /** Read once per request: signatures are checked against it, keeps counted from it. */
  now: () => Date;
  /** Hands an action to the removal worker's queue. */
  enqueue: (message: SlackActionMessage) => Promise<void>;
  /** Posts to a response_url; `postResponse` unless a test says otherwise. */
  respond?: (url: string, reply: SlackReply) => Promise<void>;
}

/** How long a post to response_url may take before the request is acknowledged anyway. */
export const RESPOND_TIMEOUT_MS = 1500;

/** POSTs a reply as JSON to a response_url (WIRE.md §6.3); a non-2xx answer throws. */
export async function postResponse(
  url: string,
  reply: SlackReply,
  timeoutMs = RESPOND_TIMEOUT_MS,
): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(reply),
    signal: AbortSignal.timeout(timeoutMs),
  });
  await response.text();
  if (!response.ok) throw new Error(`response_url answered HTTP ${response.status}`);
}

/** Sends Slack action messages to the removal queue; the queue's URL is looked up once. */
export function queueSender(sqs: SQSClient, queue: string): (message: SlackActionMessage) => Promise<void> {
  let url: Promise<string> | undefined;
  return async (message) => {
    url ??= queueUrl(sqs, queue).catch((error: unknown) => {
      url = undefined;
      throw error;
    });
    const body = JSON.stringify(slackActionMessageSchema.parse(message));
    await sqs.send(new SendMessageCommand({ QueueUrl: await url, MessageBody: body }));
  };
}

/**
 * The Slack function's dependencies, built once per warm container: the ledger and the removal queue in the
 * home region, the real clock. Throws a ConfigError when the config names no ledger or the secret is empty.
 */
export function slackFunctionDeps(input: {
  config: Config;
  signingSecret: string | undefined;
  homeRegion: string;
}): SlackDeps {
  const { config, homeRegion } = input;
  if (!input.signingSecret) {
    throw new ConfigError(
      [{ path: "SlackSigningSecret", message: "is not set (npx sst secret set SlackSigningSecret …)" }],
      "environment",
    );
  }
  if (!config.ledger)
    throw new ConfigError([{ path: "ledger", message: "must name the ledger bucket" }], "config");
  const removal = config.removal;
  const enqueue = removal
    ? queueSender(sqsClient({ region: homeRegion }), removal.queue)
    : async () => {
        throw new Error("removal.queue is not configured");
      };
  return {
    config,
    store: new LedgerStore(s3Client({ region: homeRegion }), config.ledger.bucket),
    signingSecret: input.signingSecret,
    now: () => new Date(),
    enqueue,
  };
}
