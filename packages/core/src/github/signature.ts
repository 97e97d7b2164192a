import { verify } from "@octokit/webhooks-methods";

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/**
 * Checks X-Hub-Signature-256 over the exact bytes received. `verify` throws on a missing secret, body or
 * header instead of answering false, so those are refused here first; it compares byte for byte, so a
 * re-serialised body or an uppercase digest (GitHub sends lowercase hex) fails, as it must.
 */
export async function checkSignature(
  secret: string | undefined,
  rawBody: string,
  header: string | undefined,
): Promise<SignatureCheck> {
  if (!secret) return { ok: false, reason: "no webhook secret is configured: every delivery is refused" };
  if (!header) return { ok: false, reason: "the X-Hub-Signature-256 header is missing" };
  if (!rawBody) return { ok: false, reason: "the body is empty" };
  try {
    if (await verify(secret, rawBody, header)) return { ok: true };
  } catch {
    // verify only throws for missing arguments, refused above; a refusal either way.
  }
  return { ok: false, reason: "the X-Hub-Signature-256 signature does not match the body" };
}
