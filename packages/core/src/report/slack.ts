import { type KnownBlock, LogLevel, type RetryOptions, WebClient } from "@slack/web-api";
import type { Digest } from "./digest.js";

/** How Stagekeeper reaches Slack: SLACK_BOT_TOKEN, and SLACK_API_URL when set (the sandbox). */
export interface SlackOptions {
  token?: string;
  apiUrl?: string;
  /** Retries of network errors and 5xx answers (never the SDK's default of ten over half an hour). */
  retryConfig?: RetryOptions;
  /** Waits between rate-limited attempts; tests may shorten them. */
  sleep?: (ms: number) => Promise<void>;
}

/** Rate-limited answers are retried after Retry-After, at most this often and this long each. */
const RATE_LIMIT_RETRIES = 3;
const MAX_RETRY_AFTER_SECONDS = 30;
const DEFAULT_RETRY: RetryOptions = { retries: 2, factor: 2, minTimeout: 1000, maxTimeout: 4000 };

export function slackClient(options: SlackOptions = {}): { client: WebClient; token?: string } {
  const token = options.token ?? process.env.SLACK_BOT_TOKEN;
  const apiUrl = options.apiUrl ?? process.env.SLACK_API_URL;
  const client = new WebClient(token, {
    ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    // 429s are handed back to us (the SDK would otherwise pause its whole queue and retry for 30 minutes).
    rejectRateLimitedCalls: true,
    retryConfig: options.retryConfig ?? DEFAULT_RETRY,
    timeout: 15_000,
    logLevel: LogLevel.ERROR,
  });
  return { client, ...(token ? { token } : {}) };
}

/** How far a digest got: the top-level message's ts and how many thread replies followed it. */
export interface Progress {
  channel: string;
  ts?: string;
  replies: number;
}

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly progress: Progress,
  ) {
    super(message);
  }
}

/** Posts the top-level message (unless already posted), then the thread replies not yet posted. */
export async function postDigest(
  client: WebClient,
  digest: Digest,
  progress: Progress,
  options: SlackOptions = {},
): Promise<Progress> {
  const state = { ...progress };
  try {
    if (!state.ts) {
      const top = await withRateLimit(
        () =>
          client.chat.postMessage({
            channel: state.channel,
            text: digest.text,
            blocks: digest.blocks as unknown as KnownBlock[],
            unfurl_links: false,
          }),
        options,
      );
      if (!top.ts) throw new Error("Slack answered chat.postMessage without a message ts");
      state.ts = top.ts;
      if (top.channel) state.channel = top.channel;
    }
    for (const reply of digest.thread.slice(state.replies)) {
      await withRateLimit(
        () =>
          client.chat.postMessage({
            channel: state.channel,
            thread_ts: state.ts,
            text: reply.text,
            blocks: reply.blocks as unknown as KnownBlock[],
            unfurl_links: false,
          }),
        options,
      );
      state.replies++;
    }
    return state;
  } catch (error) {
    throw new DeliveryError(explainSlackError(error, progress.channel), state);
  }
}

async function withRateLimit<T>(call: () => Promise<T>, options: SlackOptions): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const retryAfter = (error as { code?: string; retryAfter?: number }).retryAfter;
      const limited = (error as { code?: string }).code === "slack_webapi_rate_limited_error";
      if (!limited || attempt >= RATE_LIMIT_RETRIES || !(Number(retryAfter) <= MAX_RETRY_AFTER_SECONDS))
        throw error;
      await sleep(Math.max(1, Number(retryAfter)) * 1000);
    }
  }
}

const TOKEN_ERRORS = new Set([
  "invalid_auth",
  "not_authed",
  "token_revoked",
  "token_expired",
  "account_inactive",
]);

/** What went wrong, in words that name the fix. */
export function explainSlackError(error: unknown, channel: string): string {
  const e = error as {
    code?: string;
    data?: { error?: string; errors?: string[]; needed?: string };
    statusCode?: number;
    retryAfter?: number;
    message?: string;
  };
  const code = e.data?.error;
  if (e.code === "slack_webapi_platform_error" && code) {
    if (TOKEN_ERRORS.has(code))
      return (
        `Slack refused the bot token (${code}): set SLACK_BOT_TOKEN to the Bot User OAuth Token (xoxb-…) from ` +
        `your Slack app's "OAuth & Permissions" page, and reinstall the app to the workspace if it was revoked.`
      );
    if (code === "channel_not_found")
      return (
        `Slack has no channel ${JSON.stringify(channel)} that the bot can see (channel_not_found): set slack.channel ` +
        `in the config to the channel's ID (channel details → the ID at the bottom, e.g. C0123ABCD); for a private ` +
        `channel, invite the bot first.`
      );
    if (code === "not_in_channel")
      return `The bot is not a member of ${channel} (not_in_channel): invite it there with /invite @Stagekeeper.`;
    if (code === "is_archived")
      return `${channel} is archived (is_archived): unarchive it or set slack.channel to another channel.`;
    if (code === "missing_scope")
      return `The bot token lacks a scope (missing_scope${e.data?.needed ? `: ${e.data.needed}` : ""}): add chat:write under "OAuth & Permissions" and reinstall the app.`;
    if (code === "invalid_blocks" || code === "msg_blocks_too_long" || code === "msg_too_long")
      return `Slack rejected the digest (${code}${e.data?.errors ? `: ${e.data.errors.slice(0, 3).join("; ")}` : ""}); this is a Stagekeeper bug, please report it.`;
    return `Slack answered ${code}.`;
  }
  if (e.code === "slack_webapi_rate_limited_error")
    return `Slack kept rate-limiting the digest (Retry-After ${e.retryAfter ?? "?"} s).`;
  if (e.code === "slack_webapi_http_error") return `Slack answered HTTP ${e.statusCode ?? "error"}.`;
  if (e.code === "slack_webapi_request_error")
    return `Slack could not be reached: ${e.message ?? "request failed"}.`;
  return `Slack delivery failed: ${e.message ?? String(error)}`;
}
