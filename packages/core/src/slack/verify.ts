import { createHmac, timingSafeEqual } from "node:crypto";

/** Slack's replay window: a request whose timestamp is further than this from now is refused. */
export const SIGNATURE_WINDOW_S = 5 * 60;

const TIMESTAMP = /^\d{1,12}$/;
const SIGNATURE = /^v0=[0-9a-f]{64}$/;

export type Verification = { ok: true } | { ok: false; reason: string };

/** `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the app's signing secret (WIRE.md §6.3). */
export function slackSignature(secret: string, timestamp: string, rawBody: Buffer | string): string {
  const hmac = createHmac("sha256", secret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(rawBody);
  return `v0=${hmac.digest("hex")}`;
}

/**
 * Checks X-Slack-Signature against the raw, undecoded body. Missing or malformed headers, a timestamp more
 * than five minutes away from `now` (either way: a replay, or a clock we cannot trust), or a signature that
 * does not match all fail. The comparison is constant-time over two buffers of the same length.
 */
export function verifySlackSignature(input: {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Buffer | string;
  now: Date;
}): Verification {
  const { secret, timestamp, signature } = input;
  if (!secret) return { ok: false, reason: "no signing secret is configured" };
  if (timestamp === undefined || signature === undefined) return { ok: false, reason: "unsigned request" };
  if (!TIMESTAMP.test(timestamp)) return { ok: false, reason: "malformed timestamp" };
  if (!SIGNATURE.test(signature)) return { ok: false, reason: "malformed signature" };
  const age = Math.abs(Math.floor(input.now.getTime() / 1000) - Number(timestamp));
  if (age > SIGNATURE_WINDOW_S) return { ok: false, reason: "stale timestamp" };
  const expected = Buffer.from(slackSignature(secret, timestamp, input.rawBody), "utf8");
  const received = Buffer.from(signature, "utf8");
  // Both are "v0=" + 64 hex digits by now; the length check keeps timingSafeEqual from throwing regardless.
  if (expected.length !== received.length || !timingSafeEqual(expected, received)) {
    return { ok: false, reason: "signature mismatch" };
  }
  return { ok: true };
}
