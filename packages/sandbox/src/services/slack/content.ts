import { randomBytes } from "node:crypto";
import { checkBlocks, LIMITS } from "./blocks.js";
import type { Message, Workspace } from "./workspace.js";

/** A Web API error: HTTP 200 with `{"ok": false, "error": code, ...extra}`. */
export class SlackError extends Error {
  constructor(
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(error);
  }
}

/** chat.postMessage's per-channel limit: HTTP 429 with Retry-After. */
export class RateLimited extends Error {
  constructor(readonly retryAfter: number) {
    super("ratelimited");
  }
}

export type Args = Record<string, unknown>;

export interface Content {
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
}

/**
 * The content of a message as chat.postMessage, chat.update, chat.postEphemeral and response_url take it:
 * `text`, `blocks` (a JSON string in form bodies), `attachments` and `markdown_text`. Undefined fields were
 * not sent, which chat.update reads as "keep what the message has".
 */
export function messageContent(args: Args): Content {
  const content: Content = {};
  const markdown = optionalString(args.markdown_text);
  const text = optionalString(args.text);
  if (markdown !== undefined) {
    if (text !== undefined || present(args.blocks)) throw new SlackError("markdown_text_conflict");
    if (markdown.length > LIMITS.markdownText) throw new SlackError("msg_too_long");
    content.text = markdown;
  } else if (text !== undefined) {
    if (text.length > LIMITS.messageText) throw new SlackError("msg_too_long");
    content.text = text;
  }
  if (present(args.blocks)) {
    const verdict = checkBlocks(args.blocks);
    if (!verdict.ok) {
      if (verdict.error !== "invalid_blocks") throw new SlackError(verdict.error);
      throw new SlackError("invalid_blocks", {
        errors: verdict.errors,
        response_metadata: { messages: verdict.errors.map((e) => `[ERROR] ${e}`) },
      });
    }
    content.blocks = withBlockIds(verdict.blocks);
  }
  if (present(args.attachments)) content.attachments = attachments(args.attachments);
  return content;
}

/** Content that must say something: text, blocks or attachments (else `no_text`). */
export function requireContent(content: Content): Content {
  const empty =
    !content.text && !(content.blocks && content.blocks.length > 0) && !content.attachments?.length;
  if (empty) throw new SlackError("no_text");
  return content;
}

/** Slack gives every block without a block_id a generated one, and echoes it back. */
function withBlockIds(blocks: unknown[]): unknown[] {
  const taken = new Set(blocks.map((block) => (block as { block_id?: unknown }).block_id));
  return blocks.map((block) => {
    if ((block as { block_id?: unknown }).block_id !== undefined) return block;
    let id: string;
    do id = randomBytes(4).toString("base64url").slice(0, 5);
    while (taken.has(id));
    taken.add(id);
    return { ...(block as object), block_id: id };
  });
}

function attachments(raw: unknown): unknown[] {
  let parsed = raw;
  if (typeof raw === "string") {
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new SlackError("invalid_attachments");
    }
  }
  if (!Array.isArray(parsed)) throw new SlackError("invalid_attachments");
  if (parsed.length > LIMITS.attachments) throw new SlackError("too_many_attachments");
  return parsed;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== "";
}

export function optionalString(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === "string" ? value : String(value);
}

export function flag(value: unknown): boolean {
  return value === true || value === "true" || value === "1" || value === 1;
}

/** A message as the Web API returns it (postMessage's `message`, conversations.history). */
export function toSlack(workspace: Workspace, message: Message): Record<string, unknown> {
  const bot = workspace.botByUser(message.user);
  const replies = message.thread_ts === message.ts ? workspace.replies(message) : [];
  const out: Record<string, unknown> = {
    type: "message",
    ...(bot ? { subtype: "bot_message", bot_id: bot.botId, app_id: bot.appId } : {}),
    text: message.text,
    user: message.user,
    ts: message.ts,
    team: workspace.team,
  };
  if (message.blocks) out.blocks = message.blocks;
  if (message.attachments) out.attachments = message.attachments;
  if (bot) out.bot_profile = { id: bot.botId, app_id: bot.appId, name: bot.name, team_id: workspace.team };
  if (message.thread_ts) out.thread_ts = message.thread_ts;
  if (message.thread_ts && message.thread_ts !== message.ts && message.replyBroadcast)
    out.subtype = "thread_broadcast";
  if (replies.length > 0) {
    const users = [...new Set(replies.map((r) => r.user))];
    out.reply_count = replies.length;
    out.reply_users_count = users.length;
    out.reply_users = users;
    out.latest_reply = replies[replies.length - 1]?.ts;
  }
  if (message.edited) out.edited = message.edited;
  return out;
}
