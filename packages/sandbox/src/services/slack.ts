import { html, json, type SandboxRequest, type SandboxResponse } from "../http.js";
import type { SandboxContext, Service } from "./service.js";
import {
  type Args,
  messageContent,
  optionalString,
  RateLimited,
  requireContent,
  SlackError,
} from "./slack/content.js";
import { type ActionRequest, type CommandRequest, SlackDriver } from "./slack/driver.js";
import { renderWorkspace } from "./slack/page.js";
import { RESPONSE_URL_MINUTES, ResponseUrls } from "./slack/response-url.js";
import { authenticate, parseArgs, webApiMethods } from "./slack/web-api.js";
import { ChannelRateLimit, type Message, Workspace } from "./slack/workspace.js";

export { signSlackRequest } from "./slack/driver.js";

const API = "/api/";
const RESPONSE = "/slack/response/";
/** Web API method names have at least one dot: auth.test, chat.postMessage, conversations.history. */
const METHOD_PATH = /^\/api\/[A-Za-z]+(\.[A-Za-z]+)+$/;

/**
 * The Slack workspace (WIRE.md §6): the Web API at POST /api/<method> as @slack/web-api calls it, the
 * response_url endpoint, a driver that sends signed slash commands and button clicks to the service under
 * test, and an HTML view of the channels.
 */
export function slackService(ctx: SandboxContext): Service {
  const workspace = new Workspace(ctx.estate.seed.slack, ctx.estate.clock);
  const rateLimit = new ChannelRateLimit();
  const methods = webApiMethods(workspace, rateLimit);
  const responseUrls = new ResponseUrls(workspace, ctx.url);
  const driver = new SlackDriver(workspace, responseUrls);

  const ratelimited = (seconds: number) =>
    json(429, { ok: false, error: "ratelimited" }, { "retry-after": String(seconds) });

  return {
    name: "slack",
    // Narrow claims, so that S3 keeps path-style requests such as GET /api/some-key.
    claims: (req) =>
      (METHOD_PATH.test(req.path) && (req.method === "POST" || req.method === "GET")) ||
      (req.path.startsWith(RESPONSE) && req.method === "POST"),
    operation: (req) => (req.path.startsWith(RESPONSE) ? "response_url" : req.path.slice(API.length)),
    throttled: () => ratelimited(1),
    // The SDK treats any status but 200 and 429 as slack_webapi_http_error.
    unavailable: () => ({
      status: 500,
      headers: { "content-type": "text/plain" },
      body: "Internal Server Error",
    }),

    handle(req: SandboxRequest, operation: string): SandboxResponse {
      if (operation === "response_url")
        return responseUrls.respond(req.path.slice(RESPONSE.length), req.body);
      try {
        const args = parseArgs(req);
        const bot = authenticate(workspace, req, args);
        const method = methods[operation];
        if (!method) return json(200, { ok: false, error: "unknown_method", req_method: operation });
        return json(200, { ok: true, ...method(args, bot) });
      } catch (error) {
        if (error instanceof RateLimited) return ratelimited(error.retryAfter);
        if (error instanceof SlackError) return json(200, { ok: false, error: error.error, ...error.extra });
        throw error;
      }
    },

    control: {
      "GET /_sandbox/slack": () => html(renderWorkspace(workspace)),
      "GET /_sandbox/slack/messages": (req) => {
        const channel = req.query.get("channel");
        const messages = workspace.messages.filter((m) => !channel || m.channel === channel);
        return json(200, { messages: messages.map((m) => inspect(workspace, m)) });
      },
      // A message from a person, e.g. to check that the bot cannot edit it.
      "POST /_sandbox/slack/messages": (req) =>
        guard(req, (body) => {
          const channel = workspace.channel(optionalString(body.channel));
          const user = optionalString(body.user) ?? "";
          if (!channel) throw new Error(`no channel ${String(body.channel)}`);
          if (!workspace.users.has(user)) throw new Error(`no user ${user} in the seed`);
          const content = requireContent(messageContent(body));
          const threadTs = workspace.threadFor(channel.id, optionalString(body.thread_ts));
          const message = workspace.add({
            channel: channel.id,
            text: content.text ?? "",
            ...(content.blocks ? { blocks: content.blocks } : {}),
            ...(threadTs ? { thread_ts: threadTs } : {}),
            user,
            via: "sandbox",
          });
          return inspect(workspace, message);
        }),
      "POST /_sandbox/slack/rate-limit": (req) =>
        guard(req, (body) => {
          const perSecond = Number(body.perSecond);
          const burst = body.burst === undefined ? Math.max(1, perSecond * 5) : Number(body.burst);
          if (!(perSecond >= 0) || !(burst >= 1))
            throw new Error('send {"perSecond": N, "burst": M}; 0 disables');
          rateLimit.configure(perSecond, burst);
          return { perSecond, burst };
        }),
      "POST /_sandbox/slack/response-urls": (req) =>
        guard(req, (body) => {
          const channel = workspace.channel(optionalString(body.channel));
          if (!channel) throw new Error(`no channel ${String(body.channel)}`);
          const user = optionalString(body.user) ?? [...workspace.users.keys()][0] ?? "";
          const messageTs = optionalString(body.message_ts);
          if (messageTs && !workspace.find(channel.id, messageTs)) throw new Error(`no message ${messageTs}`);
          const entry = responseUrls.create(channel.id, user, messageTs);
          return {
            url: entry.url,
            expiresAt: new Date(entry.createdAt.getTime() + RESPONSE_URL_MINUTES * 60_000).toISOString(),
          };
        }),
      "POST /_sandbox/slack/command": (req) =>
        guardAsync(req, (body) => driver.command(body as unknown as CommandRequest)),
      "POST /_sandbox/slack/action": (req) =>
        guardAsync(req, (body) => driver.action(body as unknown as ActionRequest)),
    },
  };
}

/** A message as the inspection route shows it: everything the sandbox knows, including edits and ephemerality. */
function inspect(workspace: Workspace, message: Message): Record<string, unknown> {
  const channel = workspace.channels.get(message.channel);
  const bot = workspace.botByUser(message.user);
  return {
    channel: message.channel,
    channelName: channel?.name,
    ts: message.ts,
    ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
    text: message.text,
    ...(message.blocks ? { blocks: message.blocks } : {}),
    ...(message.attachments ? { attachments: message.attachments } : {}),
    user: message.user,
    ...(bot ? { bot: { id: bot.botId, name: bot.name } } : {}),
    ...(message.ephemeralTo ? { ephemeral: message.ephemeralTo } : {}),
    ...(message.replyBroadcast ? { replyBroadcast: true } : {}),
    ...(message.edited ? { edited: message.edited } : {}),
    edits: message.edits,
    deleted: Boolean(message.deleted),
    via: message.via,
  };
}

function body(req: SandboxRequest): Args {
  const parsed: unknown = JSON.parse(req.body.toString("utf8") || "{}");
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new Error("send a JSON object");
  return parsed as Args;
}

function guard(req: SandboxRequest, run: (body: Args) => unknown): SandboxResponse {
  try {
    return json(200, run(body(req)));
  } catch (error) {
    return json(400, { error: describe(error) });
  }
}

async function guardAsync(
  req: SandboxRequest,
  run: (body: Args) => Promise<unknown>,
): Promise<SandboxResponse> {
  try {
    return json(200, await run(body(req)));
  } catch (error) {
    return json(400, { error: describe(error) });
  }
}

function describe(error: unknown): string {
  if (error instanceof SlackError) return `${error.error} ${JSON.stringify(error.extra)}`.trim();
  return error instanceof Error ? error.message : String(error);
}
