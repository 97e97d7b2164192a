import { randomBytes } from "node:crypto";
import { json, type SandboxResponse } from "../../http.js";
import { type Args, flag, messageContent, optionalString, requireContent, SlackError } from "./content.js";
import type { Workspace } from "./workspace.js";

/** "up to 5 times within 30 minutes" of the invocation (WIRE.md §6.3), in sandbox time. */
export const RESPONSE_URL_USES = 5;
export const RESPONSE_URL_MINUTES = 30;

export interface ResponseUrl {
  id: string;
  url: string;
  channel: string;
  user: string;
  /** Set when the URL came from an interaction with a message: replace_original and delete_original act on it. */
  messageTs?: string;
  createdAt: Date;
  uses: number;
}

/**
 * The response_url endpoint. Slack does not document what an exhausted or expired URL answers beyond "a
 * non-2xx status", so the sandbox answers 404 `{"ok":false,"error":"expired_url"}`; an unknown URL answers
 * 404 `no_service` (what Slack's webhooks answer for an unknown hook), and bad content 400 with Slack's error
 * code (webhooks answer 400 `invalid_payload`, `no_text`, `invalid_blocks`): the exact bodies are unverified.
 */
export class ResponseUrls {
  private readonly urls = new Map<string, ResponseUrl>();

  constructor(
    private readonly workspace: Workspace,
    private readonly base: () => string,
  ) {}

  create(channel: string, user: string, messageTs?: string): ResponseUrl {
    const id = `${this.workspace.team}/${randomBytes(9).toString("hex")}`;
    const entry: ResponseUrl = {
      id,
      url: `${this.base()}/slack/response/${id}`,
      channel,
      user,
      ...(messageTs ? { messageTs } : {}),
      createdAt: this.workspace.clock.now(),
      uses: 0,
    };
    this.urls.set(id, entry);
    return entry;
  }

  list(): ResponseUrl[] {
    return [...this.urls.values()];
  }

  respond(id: string, body: Buffer): SandboxResponse {
    const entry = this.urls.get(id);
    if (!entry) return json(404, { ok: false, error: "no_service" });
    const age = this.workspace.clock.now().getTime() - entry.createdAt.getTime();
    if (entry.uses >= RESPONSE_URL_USES || age > RESPONSE_URL_MINUTES * 60_000) {
      return json(404, { ok: false, error: "expired_url" });
    }
    let args: Args;
    try {
      const parsed: unknown = JSON.parse(body.toString("utf8"));
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        throw new Error("not an object");
      args = parsed as Args;
    } catch {
      return json(400, { ok: false, error: "invalid_payload" });
    }
    entry.uses++;
    try {
      this.apply(entry, args);
    } catch (error) {
      if (!(error instanceof SlackError)) throw error;
      return json(400, { ok: false, error: error.error, ...error.extra });
    }
    return json(200, { ok: true });
  }

  private apply(entry: ResponseUrl, args: Args): void {
    const original = entry.messageTs ? this.workspace.find(entry.channel, entry.messageTs) : undefined;
    const app = [...this.workspace.bots.values()][0];
    if (flag(args.delete_original)) {
      if (original) original.deleted = true;
      return;
    }
    const content = requireContent(messageContent(args));
    if (flag(args.replace_original) && original) {
      this.workspace.edit(original, app?.userId ?? original.user, {
        text: content.text ?? "",
        ...(content.blocks ? { blocks: content.blocks } : {}),
      });
      return;
    }
    const threadTs = this.workspace.threadFor(entry.channel, optionalString(args.thread_ts));
    this.workspace.add({
      channel: entry.channel,
      text: content.text ?? "",
      ...(content.blocks ? { blocks: content.blocks } : {}),
      ...(content.attachments ? { attachments: content.attachments } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
      user: app?.userId ?? "U0SANDBOX1",
      ...(app ? { bot_id: app.botId, app_id: app.appId } : {}),
      ...(args.response_type === "in_channel" ? {} : { ephemeralTo: entry.user }),
      via: "response_url",
    });
  }
}
