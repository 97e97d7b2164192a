import { performance } from "node:perf_hooks";
import { describeError } from "../aws/clients.js";
import { closed, reopened, type WebhookBody } from "./answers.js";
import { DELIVERY_ID, finishDelivery, takeDelivery } from "./deliveries.js";
import type { GitHubDeps } from "./deps.js";
import { parseBody, parsePullRequestEvent } from "./payload.js";
import { checkSignature } from "./signature.js";
import { appsFor, prLabel, prStageName } from "./stages.js";

export interface WebhookDeps extends GitHubDeps {
  /** The webhook secret configured on the GitHub hook; without one every delivery is refused. */
  secret: string | undefined;
}

export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as received: the signature covers these bytes. */
  rawBody: string | Uint8Array;
}

export type { WebhookBody, WebhookResult } from "./answers.js";

export interface WebhookReply {
  status: number;
  body: WebhookBody;
}

/**
 * GitHub's webhook: verify the signature over the raw body, answer `ping`, and for `pull_request` `closed`
 * remove the PR's stage through the safety gate (or, with a grace, record a pending removal that `reopened`
 * cancels). Deliveries are deduplicated in the ledger. Bad input changes nothing and says why.
 */
export async function handleGitHubWebhook(deps: WebhookDeps, request: WebhookRequest): Promise<WebhookReply> {
  const started = performance.now();
  const reply = (status: number, body: Omit<WebhookBody, "elapsedMs">): WebhookReply => ({
    status,
    body: { ...body, elapsedMs: Math.round(performance.now() - started) },
  });
  const header = (name: string) => {
    const value = Object.entries(request.headers).find(([k]) => k.toLowerCase() === name)?.[1];
    return Array.isArray(value) ? value[0] : value;
  };
  const raw = decode(request.rawBody);
  if (raw === undefined) return reply(400, { result: "rejected", reason: "the body is not UTF-8" });
  const signature = await checkSignature(deps.secret, raw, header("x-hub-signature-256"));
  if (!signature.ok) return reply(401, { result: "rejected", reason: signature.reason });

  const event = header("x-github-event");
  if (!event) return reply(400, { result: "rejected", reason: "the X-GitHub-Event header is missing" });
  if (event === "ping") return reply(200, { result: "pong" });
  if (event !== "pull_request")
    return reply(200, { result: "ignored", reason: `event ${event.slice(0, 50)} is not handled` });
  const body = parseBody(raw, header("content-type"));
  const parsed = body.ok ? parsePullRequestEvent(body.value) : body;
  if (!parsed.ok) return reply(400, { result: "rejected", reason: parsed.reason });
  const payload = parsed.value;
  const { action } = payload;
  if (action !== "closed" && action !== "reopened")
    return reply(200, { result: "ignored", reason: `action ${action.slice(0, 50)} needs nothing` });
  if (action === "closed" && payload.pull_request.state !== "closed")
    return reply(400, { result: "rejected", reason: "a closed action with an open pull request" });
  const delivery = header("x-github-delivery");
  if (!delivery || !DELIVERY_ID.test(delivery))
    return reply(400, { result: "rejected", reason: "the X-GitHub-Delivery header is missing or malformed" });

  const repository = payload.repository.full_name;
  const pr = { repository, number: payload.number };
  const context = { delivery, pr: prLabel(pr) };
  if (appsFor(deps.config, repository).length === 0) {
    const reason = `repository ${repository} is not the repository of any app in the config (apps[].repository)`;
    return reply(200, { result: "ignored", reason, ...context });
  }
  const stage = prStageName(deps.config, payload.number);
  if (!stage)
    return reply(200, {
      result: "refused",
      reason: "the stage template gives no valid SST stage name",
      ...context,
    });

  const taken = await takeDelivery(
    deps.store,
    {
      delivery,
      event,
      action,
      repository,
      number: payload.number,
      receivedAt: deps.now.toISOString(),
      status: "processing",
    },
    deps.now,
  );
  if (taken === "duplicate")
    return reply(200, {
      result: "duplicate",
      reason: "this delivery was already handled",
      ...context,
      stage,
    });

  try {
    const by = payload.sender?.login;
    const answer =
      action === "reopened"
        ? await reopened(deps, pr, by)
        : await closed(deps, {
            ...pr,
            stage,
            closedAt: payload.pull_request.closed_at ? new Date(payload.pull_request.closed_at) : deps.now,
            merged: payload.pull_request.merged === true,
            delivery,
            ...(by ? { by } : {}),
          });
    const failed = answer.status >= 500;
    await finishDelivery(deps.store, delivery, failed ? "failed" : "done", answer.body.result);
    return reply(answer.status, { ...answer.body, ...context, stage });
  } catch (error) {
    const reason = `handling failed (${describeError(error)}); redeliver it from GitHub once fixed`;
    await finishDelivery(deps.store, delivery, "failed", reason).catch(() => undefined);
    return reply(500, { result: "failed", reason, ...context, stage });
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function decode(body: string | Uint8Array): string | undefined {
  if (typeof body === "string") return body;
  try {
    return utf8.decode(body);
  } catch {
    return undefined;
  }
}
