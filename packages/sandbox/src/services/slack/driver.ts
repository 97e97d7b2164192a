import { createHmac, randomBytes } from "node:crypto";
import { LIMITS } from "./blocks.js";
import { messageContent, requireContent, SlackError, toSlack } from "./content.js";
import type { ResponseUrls } from "./response-url.js";
import { formatTs, type Message, type Workspace } from "./workspace.js";

/** `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the app's signing secret (WIRE.md §6.3). */
export function signSlackRequest(secret: string, timestamp: number | string, body: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

/** What a test asks Slack to send to the service under test. */
export interface DriverRequest {
  target: string;
  signingSecret: string;
  user?: string;
  channel?: string;
  /** X-Slack-Request-Timestamp; defaults to the sandbox clock in seconds (set it to test stale requests). */
  timestamp?: number;
  /** Extra or replaced headers, e.g. X-Slack-Retry-Num, or a forged X-Slack-Signature. */
  headers?: Record<string, string>;
  /** Slack gives up after 3 seconds and shows the user "operation_timeout". */
  timeoutMs?: number;
}

export interface CommandRequest extends DriverRequest {
  command: string;
  text?: string;
}

export interface ActionRequest extends DriverRequest {
  actionId: string;
  /** Defaults to the button's own value in the message. */
  value?: string;
  messageTs?: string;
  /** action_id is unique only within its block: name the block when several blocks share one. */
  blockId?: string;
}

export interface DriverResult {
  status: number;
  body: string;
  /** The body parsed, when it is JSON. */
  json?: unknown;
  /** Set when the service did not answer in time or could not be reached. */
  error?: string;
  elapsedMs: number;
  responseUrl: string;
}

/** Sends Slack → service requests, signed as Slack signs them, with a fresh response_url each. */
export class SlackDriver {
  constructor(
    private readonly workspace: Workspace,
    private readonly responseUrls: ResponseUrls,
  ) {}

  async command(request: CommandRequest): Promise<DriverResult> {
    if (!request.command?.startsWith("/")) throw new Error('a command starts with "/", e.g. "/stages"');
    const { channel, user } = this.who(request);
    const responseUrl = this.responseUrls.create(channel.id, user.id);
    const form = new URLSearchParams({
      token: "sandbox-verification-token",
      team_id: this.workspace.team,
      team_domain: this.workspace.domain,
      channel_id: channel.id,
      channel_name: channel.name,
      user_id: user.id,
      user_name: user.name,
      command: request.command,
      text: request.text ?? "",
      api_app_id: this.app().appId,
      is_enterprise_install: "false",
      response_url: responseUrl.url,
      trigger_id: this.triggerId(),
    });
    const result = await this.send(request, form.toString(), responseUrl.url);
    if (result.status === 200) this.showReply(result, channel.id, user.id);
    return result;
  }

  async action(request: ActionRequest): Promise<DriverResult> {
    if (!request.actionId) throw new Error("an action needs an actionId");
    const { channel, user } = this.who(request);
    const message = request.messageTs ? this.workspace.find(channel.id, request.messageTs) : undefined;
    if (request.messageTs && !message) throw new Error(`no message ${request.messageTs} in ${channel.id}`);
    const found = message ? findAction(message, request.actionId, request.blockId) : undefined;
    if (message && !found) throw new Error(`no element with action_id ${request.actionId} in that message`);
    const responseUrl = this.responseUrls.create(channel.id, user.id, message?.ts);
    const ephemeral = message?.ephemeralTo !== undefined;
    const element = found?.element ?? {
      type: "button",
      text: { type: "plain_text", text: request.actionId },
    };
    const payload = {
      type: "block_actions",
      user: { id: user.id, username: user.name, team_id: this.workspace.team },
      api_app_id: this.app().appId,
      token: "sandbox-verification-token",
      container: message
        ? { type: "message", message_ts: message.ts, channel_id: channel.id, is_ephemeral: ephemeral }
        : { type: "message", channel_id: channel.id, is_ephemeral: false },
      trigger_id: this.triggerId(),
      team: { id: this.workspace.team, domain: this.workspace.domain },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: channel.id, name: channel.name },
      ...(message && !ephemeral ? { message: toSlack(this.workspace, message) } : {}),
      state: { values: {} },
      response_url: responseUrl.url,
      actions: [
        {
          type: element.type,
          block_id: found?.blockId ?? "sandbox",
          action_id: request.actionId,
          ...(element.text ? { text: element.text } : {}),
          ...((request.value ?? element.value) ? { value: request.value ?? element.value } : {}),
          ...(element.style ? { style: element.style } : {}),
          action_ts: formatTs(this.workspace.clock.now().getTime() * 1000),
        },
      ],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.send(request, body, responseUrl.url);
  }

  private async send(request: DriverRequest, body: string, responseUrl: string): Promise<DriverResult> {
    if (!request.target || !request.signingSecret) throw new Error("send a target URL and a signingSecret");
    const timestamp = request.timestamp ?? Math.floor(this.workspace.clock.now().getTime() / 1000);
    const started = Date.now();
    try {
      const response = await fetch(request.target, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
          "x-slack-request-timestamp": String(timestamp),
          "x-slack-signature": signSlackRequest(request.signingSecret, timestamp, body),
          ...request.headers,
        },
        body,
        signal: AbortSignal.timeout(request.timeoutMs ?? 3000),
      });
      const text = await response.text();
      const result: DriverResult = {
        status: response.status,
        body: text,
        elapsedMs: Date.now() - started,
        responseUrl,
      };
      if ((response.headers.get("content-type") ?? "").includes("json")) {
        try {
          result.json = JSON.parse(text);
        } catch {
          // The service answered malformed JSON; the raw body says what it was.
        }
      }
      return result;
    } catch (error) {
      const timedOut = error instanceof Error && error.name === "TimeoutError";
      return {
        status: 0,
        body: "",
        error: timedOut ? "operation_timeout" : String(error instanceof Error ? error.message : error),
        elapsedMs: Date.now() - started,
        responseUrl,
      };
    }
  }

  /** Slack shows a slash command's synchronous reply: JSON {text, blocks, response_type} or plain text. */
  private showReply(result: DriverResult, channel: string, user: string): void {
    const reply =
      result.json && typeof result.json === "object"
        ? (result.json as Record<string, unknown>)
        : result.body.trim()
          ? { text: result.body.slice(0, LIMITS.messageText) }
          : undefined;
    if (!reply) return;
    try {
      const content = requireContent(messageContent(reply));
      const app = this.app();
      this.workspace.add({
        channel,
        text: content.text ?? "",
        ...(content.blocks ? { blocks: content.blocks } : {}),
        user: app.userId,
        bot_id: app.botId,
        app_id: app.appId,
        ...(reply.response_type === "in_channel" ? {} : { ephemeralTo: user }),
        via: "response_url",
      });
    } catch (error) {
      if (!(error instanceof SlackError)) throw error;
      result.error = `Slack could not show the reply: ${error.error}`;
    }
  }

  private who(request: DriverRequest) {
    const channel = this.workspace.channel(request.channel) ?? [...this.workspace.channels.values()][0];
    const user = request.user
      ? (this.workspace.users.get(request.user) ?? { id: request.user, name: request.user })
      : [...this.workspace.users.values()][0];
    if (!channel || !user) throw new Error("the seed's slack section needs a channel and a user");
    return { channel, user };
  }

  private app() {
    const app = [...this.workspace.bots.values()][0];
    if (!app) throw new Error("the seed's slack section needs a token");
    return app;
  }

  private triggerId(): string {
    const n = () => String(Math.floor(Math.random() * 1e12));
    return `${n()}.${n()}.${randomBytes(16).toString("hex")}`;
  }
}

interface Found {
  blockId: string;
  element: { type: string; text?: unknown; value?: string; style?: string };
}

function findAction(message: Message, actionId: string, blockId?: string): Found | undefined {
  for (const block of (message.blocks ?? []) as Record<string, unknown>[]) {
    if (blockId !== undefined && block.block_id !== blockId) continue;
    const elements = [...(Array.isArray(block.elements) ? block.elements : []), block.accessory];
    for (const element of elements as (Found["element"] & { action_id?: string })[]) {
      if (element?.action_id === actionId) return { blockId: String(block.block_id ?? ""), element };
    }
  }
  return undefined;
}
