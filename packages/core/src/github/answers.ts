import { classify } from "../policy/index.js";
import type { GitHubDeps } from "./deps.js";
import { cancelPending, schedulePending } from "./pending.js";
import { type ClosedPullRequest, removeForPullRequest, type StageResult } from "./remove.js";

export type WebhookResult =
  | "rejected"
  | "pong"
  | "ignored"
  | "duplicate"
  | "removal-queued"
  | "pending"
  | "cancelled"
  | "refused"
  | "dry-run"
  | "failed";

export interface WebhookBody {
  result: WebhookResult;
  reason?: string;
  delivery?: string;
  pr?: string;
  stage?: string;
  stages?: StageResult[];
  dueAt?: string;
  /** Problems that did not fail the delivery (Slack, the delayed re-check). */
  notes?: string[];
  elapsedMs: number;
}

export type Answer = { status: number; body: Omit<WebhookBody, "elapsedMs"> };

export async function closed(
  deps: GitHubDeps,
  pr: ClosedPullRequest & { delivery: string },
): Promise<Answer> {
  const grace = deps.config.github?.graceMinutes ?? 0;
  // A stage that is not a removable pull-request stage goes straight to the gate, to be refused on the record;
  // in dry run too, which records nothing to come back to and answers what the gate would do.
  const { kind, rule } = classify(pr.stage, deps.config);
  if (rule?.removable && !rule.expire.onPrClosed) {
    const reason = `${kind} stages do not expire when their pull request closes (kinds[].expire.onPrClosed); the ${kind} rule decides`;
    return { status: 200, body: { result: "ignored", reason } };
  }
  if (grace > 0 && !deps.config.dryRun && rule?.removable && rule.expire.onPrClosed) {
    const { dueAt, slack, recheckFailed } = await schedulePending(deps, pr);
    const notes = [slack, recheckFailed].filter((n): n is string => Boolean(n));
    const reason = `removal after the ${grace}-minute grace unless the pull request is reopened`;
    return {
      status: 200,
      body: { result: "pending", reason, dueAt: dueAt.toISOString(), ...(notes.length ? { notes } : {}) },
    };
  }
  const { results, slack } = await removeForPullRequest(deps, pr);
  const result = summarise(results);
  const reason =
    results.length === 0
      ? "no configured account and region to look in"
      : results.map((r) => (r.reason.includes(r.stage) ? r.reason : `${r.stage}: ${r.reason}`)).join("; ");
  return {
    // Any place that failed makes the delivery fail, so a redelivery retries it; the claims already taken hold.
    status: results.some((r) => r.outcome === "failed") ? 502 : 200,
    body: { result, reason: reason.slice(0, 2000), stages: results, ...(slack ? { notes: [slack] } : {}) },
  };
}

export async function reopened(
  deps: GitHubDeps,
  pr: { repository: string; number: number },
  by?: string,
): Promise<Answer> {
  const outcome = await cancelPending(deps, pr, `reopened${by ? ` by ${by}` : ""}`);
  if (!outcome.cancelled) {
    const reason = "no removal was pending; a removal already queued is not stopped";
    return { status: 200, body: { result: "ignored", reason } };
  }
  const notes = outcome.slack ? [outcome.slack] : [];
  return {
    status: 200,
    body: {
      result: "cancelled",
      reason: "the pending removal is cancelled",
      ...(notes.length ? { notes } : {}),
    },
  };
}

function summarise(results: readonly StageResult[]): WebhookResult {
  if (results.some((r) => r.outcome === "queued" || r.outcome === "claimed")) return "removal-queued";
  if (results.some((r) => r.outcome === "failed")) return "failed";
  if (results.some((r) => r.outcome === "dry-run")) return "dry-run";
  return "refused";
}
