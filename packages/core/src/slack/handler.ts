import { describeError } from "../aws/clients.js";
import { handleCommand } from "./commands.js";
import type { SlackDeps } from "./deps.js";
import { handleInteraction } from "./interactions.js";
import { ephemeral, helpReply, type SlackReply } from "./replies.js";
import { verifySlackSignature } from "./verify.js";

/** An HTTP request as any front door (a Function URL, a local server) hands it over: the body raw. */
export interface SlackHttpRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer | string;
}

export interface SlackHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Slack's payloads carry the clicked message, at most 50 blocks of 3000 characters; far below this. */
export const MAX_BODY_BYTES = 512 * 1024;

const FORM = "application/x-www-form-urlencoded";

/**
 * Slack → Stagekeeper, for `/stages` and button clicks. In order: POST only; a size bound; Slack's unsigned
 * `ssl_check` probe answered with nothing done; the v0 signature over the raw body (401, nothing done, when
 * forged, stale, missing or malformed); a slash-command retry (X-Slack-Retry-Num) acknowledged and ignored;
 * then the command or the click. Any other problem gets a short ephemeral help, never a crash.
 */
export async function handleSlackRequest(
  deps: SlackDeps,
  request: SlackHttpRequest,
): Promise<SlackHttpResponse> {
  if (request.method.toUpperCase() !== "POST") return text(405, "method not allowed");
  const raw = typeof request.body === "string" ? Buffer.from(request.body, "utf8") : request.body;
  if (raw.length > MAX_BODY_BYTES) return text(413, "request too large");
  const contentType = (header(request, "content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  const form = contentType === FORM ? new URLSearchParams(raw.toString("utf8")) : undefined;
  // Slack's probe is unsigned (WIRE.md §6.3); it is answered and nothing else in it is read.
  if (form?.get("ssl_check") === "1") return text(200, "");

  const now = deps.now();
  const verified = verifySlackSignature({
    secret: deps.signingSecret,
    timestamp: header(request, "x-slack-request-timestamp"),
    signature: header(request, "x-slack-signature"),
    rawBody: raw,
    now,
  });
  if (!verified.ok) return text(401, `invalid request signature: ${verified.reason}`);
  if (header(request, "x-slack-retry-num") !== undefined) return text(200, "");
  if (!form) return reply(helpReply("Stagekeeper only reads Slack's form-encoded requests."));

  try {
    const payload = form.get("payload");
    if (payload !== null) {
      const interaction = await handleInteraction(deps, payload, now);
      return interaction.reply ? reply(interaction.reply) : text(200, "");
    }
    if (form.has("command")) return reply(await handleCommand(deps, form, now));
    return reply(helpReply("That request is neither a slash command nor a button click."));
  } catch (error) {
    console.error("slack: request failed", describeError(error));
    return reply(ephemeral("Something went wrong and nothing was done; try again in a moment."));
  }
}

function header(request: SlackHttpRequest, name: string): string | undefined {
  for (const [key, value] of Object.entries(request.headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

function text(status: number, body: string): SlackHttpResponse {
  return { status, headers: { "content-type": "text/plain; charset=utf-8" }, body };
}

function reply(body: SlackReply): SlackHttpResponse {
  return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}
