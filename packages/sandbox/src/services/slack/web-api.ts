import { header, type SandboxRequest } from "../../http.js";
import {
  type Args,
  flag,
  messageContent,
  optionalString,
  RateLimited,
  requireContent,
  SlackError,
  toSlack,
} from "./content.js";
import {
  type Bot,
  type Channel,
  type ChannelRateLimit,
  compareTs,
  type Message,
  type Workspace,
} from "./workspace.js";

type Method = (args: Args, bot: Bot) => Record<string, unknown>;

/** Slack's cursors are opaque base64 strings ("bmV4dF90czox..."); here base64 of "next_offset:N". */
const cursorOf = (offset: number) => Buffer.from(`next_offset:${offset}`).toString("base64");

/**
 * The Web API methods the product uses (WIRE.md §6.1), plus the reads that tests and the demo inspect with.
 * Each answers the success body or throws SlackError / RateLimited.
 */
export function webApiMethods(workspace: Workspace, rateLimit: ChannelRateLimit): Record<string, Method> {
  const channelFor = (args: Args, key = "channel"): Channel => {
    const channel = workspace.channel(optionalString(args[key]));
    if (!channel) throw new SlackError("channel_not_found");
    return channel;
  };
  const writable = (args: Args): Channel => {
    const channel = channelFor(args);
    if (channel.archived) throw new SlackError("is_archived");
    return channel;
  };
  const required = (args: Args, key: string): string => {
    const value = optionalString(args[key]);
    if (!value) {
      throw new SlackError("invalid_arguments", {
        response_metadata: { messages: [`[ERROR] missing required field: ${key}`] },
      });
    }
    return value;
  };
  return {
    "auth.test": (_args, bot) => ({
      url: `https://${workspace.domain}.slack.com/`,
      team: "Sandbox",
      user: bot.name,
      team_id: workspace.team,
      user_id: bot.userId,
      bot_id: bot.botId,
      is_enterprise_install: false,
    }),

    "chat.postMessage": (args, bot) => {
      const channel = writable(args);
      const wait = rateLimit.take(channel.id);
      if (wait > 0) throw new RateLimited(wait);
      const content = requireContent(messageContent(args));
      const threadTs = workspace.threadFor(channel.id, optionalString(args.thread_ts));
      const message = workspace.add({
        channel: channel.id,
        text: content.text ?? "",
        ...(content.blocks ? { blocks: content.blocks } : {}),
        ...(content.attachments ? { attachments: content.attachments } : {}),
        ...(threadTs ? { thread_ts: threadTs, replyBroadcast: flag(args.reply_broadcast) } : {}),
        user: bot.userId,
        bot_id: bot.botId,
        app_id: bot.appId,
        via: "api",
      });
      return { channel: channel.id, ts: message.ts, message: toSlack(workspace, message) };
    },

    "chat.update": (args, bot) => {
      const channel = writable(args);
      const message = workspace.find(channel.id, optionalString(args.ts));
      if (!message || message.ephemeralTo !== undefined) throw new SlackError("message_not_found");
      if (message.user !== bot.userId) throw new SlackError("cant_update_message");
      const content = messageContent(args);
      if (content.text === undefined && content.blocks === undefined && content.attachments === undefined) {
        throw new SlackError("no_text");
      }
      // Slack keeps what an update leaves out: blocks: [] removes them, a missing field keeps them.
      const blocks = content.blocks ?? message.blocks;
      workspace.edit(message, bot.userId, {
        text: content.text ?? message.text,
        ...(blocks && blocks.length > 0 ? { blocks } : {}),
      });
      if (content.attachments) message.attachments = content.attachments;
      return {
        channel: channel.id,
        ts: message.ts,
        text: message.text,
        message: toSlack(workspace, message),
      };
    },

    "chat.postEphemeral": (args, bot) => {
      const user = required(args, "user");
      const channel = writable(args);
      if (!workspace.users.has(user)) throw new SlackError("user_not_in_channel");
      const content = requireContent(messageContent(args));
      const threadTs = optionalString(args.thread_ts);
      const message = workspace.add({
        channel: channel.id,
        text: content.text ?? "",
        ...(content.blocks ? { blocks: content.blocks } : {}),
        ...(content.attachments ? { attachments: content.attachments } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
        user: bot.userId,
        bot_id: bot.botId,
        app_id: bot.appId,
        ephemeralTo: user,
        via: "api",
      });
      return { message_ts: message.ts };
    },

    "chat.getPermalink": (args) => {
      const channel = channelFor(args);
      const message = workspace.find(channel.id, optionalString(args.message_ts));
      if (!message || message.ephemeralTo !== undefined) throw new SlackError("message_not_found");
      const base = `https://${workspace.domain}.slack.com/archives/${channel.id}/p${message.ts.replace(".", "")}`;
      const reply = message.thread_ts && message.thread_ts !== message.ts;
      return {
        channel: channel.id,
        permalink: reply ? `${base}?thread_ts=${message.thread_ts}&cid=${channel.id}` : base,
      };
    },

    "conversations.info": (args) => ({ channel: channelInfo(workspace, channelFor(args)) }),

    "conversations.history": (args) => {
      const channel = channelFor(args);
      const oldest = optionalString(args.oldest) ?? "0";
      const latest = optionalString(args.latest);
      const inclusive = flag(args.inclusive);
      const messages = workspace
        .history(channel.id)
        .filter((m) => {
          const afterOldest = inclusive ? compareTs(m.ts, oldest) >= 0 : compareTs(m.ts, oldest) > 0;
          const beforeLatest =
            latest === undefined || (inclusive ? compareTs(m.ts, latest) <= 0 : compareTs(m.ts, latest) < 0);
          return afterOldest && beforeLatest;
        })
        .reverse();
      return { ...page(workspace, messages, args), pin_count: 0 };
    },

    "conversations.replies": (args) => {
      const channel = channelFor(args);
      const ts = required(args, "ts");
      const message = workspace.find(channel.id, ts);
      if (!message || message.ephemeralTo !== undefined) throw new SlackError("thread_not_found");
      const parent = message.thread_ts ?? message.ts;
      return page(workspace, workspace.thread(channel.id, parent), args);
    },

    "users.info": (args) => {
      const id = required(args, "user");
      const user = workspace.users.get(id);
      const bot = workspace.botByUser(id);
      if (!user && !bot) throw new SlackError("user_not_found");
      const name = user?.name ?? bot?.name ?? id;
      return {
        user: {
          id,
          team_id: workspace.team,
          name,
          deleted: false,
          real_name: name,
          is_bot: Boolean(bot),
          is_admin: false,
          tz: "Etc/UTC",
          profile: { real_name: name, display_name: name, ...(bot ? { bot_id: bot.botId } : {}) },
        },
      };
    },
  };
}

function channelInfo(workspace: Workspace, channel: Channel): Record<string, unknown> {
  const first = workspace.messages.find((m) => m.channel === channel.id);
  return {
    id: channel.id,
    name: channel.name,
    name_normalized: channel.name,
    is_channel: true,
    is_group: false,
    is_im: false,
    is_private: false,
    is_archived: channel.archived,
    is_general: false,
    is_member: true,
    created: Math.floor((first ? Number(first.ts) : workspace.clock.now().getTime() / 1000) - 86_400),
    context_team_id: workspace.team,
  };
}

/** Cursor paging as conversations.* do it: `limit` (default 100, at most 999), `cursor`, has_more, next_cursor. */
function page(workspace: Workspace, messages: Message[], args: Args): Record<string, unknown> {
  const requested = Number(optionalString(args.limit) ?? 100);
  const limit = Number.isFinite(requested) && requested > 0 ? Math.min(Math.floor(requested), 999) : 100;
  let offset = 0;
  const cursor = optionalString(args.cursor);
  if (cursor) {
    const match = /^next_offset:(\d+)$/.exec(Buffer.from(cursor, "base64").toString("utf8"));
    if (!match) throw new SlackError("invalid_cursor");
    offset = Number(match[1]);
  }
  const slice = messages.slice(offset, offset + limit);
  const more = offset + limit < messages.length;
  return {
    messages: slice.map((m) => toSlack(workspace, m)),
    has_more: more,
    response_metadata: { next_cursor: more ? cursorOf(offset + limit) : "" },
  };
}

/** The arguments of a Web API call: form-encoded (as @slack/web-api sends them) or JSON. */
export function parseArgs(req: SandboxRequest): Args {
  const type = (header(req, "content-type") ?? "").toLowerCase();
  const body = req.body.toString("utf8");
  const args: Args = {};
  if (type.startsWith("application/json")) {
    let parsed: unknown;
    try {
      parsed = body ? JSON.parse(body) : {};
    } catch {
      throw new SlackError("invalid_json");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new SlackError("invalid_json");
    Object.assign(args, parsed);
  } else if (type.startsWith("multipart/form-data")) {
    throw new SlackError("invalid_form_data");
  } else {
    for (const [key, value] of new URLSearchParams(body)) args[key] = value;
  }
  for (const [key, value] of req.query) args[key] ??= value;
  return args;
}

/** The bot a call acts as: the Bearer token, or a `token` argument. */
export function authenticate(workspace: Workspace, req: SandboxRequest, args: Args): Bot {
  const bearer = /^Bearer\s+(.+)$/i.exec(header(req, "authorization") ?? "")?.[1];
  const token = bearer ?? optionalString(args.token);
  if (!token) throw new SlackError("not_authed");
  const bot = workspace.bots.get(token.trim());
  if (!bot) throw new SlackError("invalid_auth");
  return bot;
}
