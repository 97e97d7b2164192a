import { z } from "zod";

/** `owner/name` as GitHub spells it; anything else never reaches a log line, the ledger or Slack. */
export const REPOSITORY = /^[\w.-]{1,100}\/[\w.-]{1,100}$/;

const time = z.iso.datetime({ offset: true });
const login = z.string().regex(/^[\w.[\]-]{1,100}$/);

/**
 * The fields of a `pull_request` delivery Stagekeeper reads (octokit/webhooks payload examples, WIRE.md §7).
 * Everything else in the payload is let through untouched and never used.
 */
export const pullRequestEventSchema = z
  .looseObject({
    action: z.string().max(100),
    number: z.number().int().positive(),
    pull_request: z.looseObject({
      number: z.number().int().positive(),
      state: z.enum(["open", "closed"]),
      merged: z.boolean().nullable().optional(),
      closed_at: time.nullable().optional(),
      merged_at: time.nullable().optional(),
      user: z.looseObject({ login }).nullable().optional(),
    }),
    repository: z.looseObject({ full_name: z.string().regex(REPOSITORY) }),
    sender: z.looseObject({ login }).optional(),
  })
  .refine((event) => event.number === event.pull_request.number, {
    message: "number and pull_request.number differ",
  });
export type PullRequestEvent = z.infer<typeof pullRequestEventSchema>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * The JSON document of a delivery: the body itself (`application/json`) or its `payload` field
 * (`application/x-www-form-urlencoded`), as the hook's content type says.
 */
export function parseBody(raw: string, contentType: string | undefined): Parsed<unknown> {
  let text = raw;
  if ((contentType ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    const payload = new URLSearchParams(raw).get("payload");
    if (payload === null) return { ok: false, reason: "the form body has no payload field" };
    text = payload;
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, reason: "the body is not JSON" };
  }
}

export function parsePullRequestEvent(document: unknown): Parsed<PullRequestEvent> {
  const parsed = pullRequestEventSchema.safeParse(document);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  return {
    ok: false,
    reason: `the pull_request payload is malformed (${issue?.path.join(".") || "(root)"}: ${issue?.message})`,
  };
}
