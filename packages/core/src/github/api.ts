import { Octokit } from "@octokit/rest";
import { type PullRequestRef, prLabel } from "./stages.js";

/** GitHub answers well within this; a slower answer is treated like any other failed read. */
const TIMEOUT_MS = 10_000;

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/**
 * The REST client: api.github.com, or GITHUB_API_URL when set (the sandbox, GitHub Enterprise). The token is
 * optional: public repositories answer without one (60 requests an hour instead of 5,000).
 */
export function githubApi(token = process.env.GITHUB_TOKEN): Octokit {
  return new Octokit({
    baseUrl: (process.env.GITHUB_API_URL || "https://api.github.com").replace(/\/+$/, ""),
    ...(token ? { auth: token } : {}),
    userAgent: "stagekeeper",
    log: quiet,
  });
}

export type PullRead =
  | { ok: true; state: "open" | "closed"; merged: boolean; closedAt?: Date }
  | { ok: false; status?: number; rateLimited: boolean; reason: string };

/** One pull request's state. Anything but a 200 with a well-formed state is a failed read, never "closed". */
export async function readPull(github: Octokit, pr: PullRequestRef): Promise<PullRead> {
  const [owner = "", repo = ""] = pr.repository.split("/");
  try {
    const { status, data } = await github.rest.pulls.get({
      owner,
      repo,
      pull_number: pr.number,
      request: { signal: AbortSignal.timeout(TIMEOUT_MS) },
    });
    if (status !== 200 || (data.state !== "open" && data.state !== "closed")) {
      return { ok: false, status, rateLimited: false, reason: `${prLabel(pr)}: unexpected answer ${status}` };
    }
    const closedAt = data.closed_at ? new Date(data.closed_at) : undefined;
    return {
      ok: true,
      state: data.state,
      merged: data.merged === true,
      ...(closedAt && !Number.isNaN(closedAt.getTime()) ? { closedAt } : {}),
    };
  } catch (error) {
    const failed = error as {
      status?: unknown;
      message?: unknown;
      response?: { headers?: Record<string, unknown> };
    };
    const status = typeof failed.status === "number" ? failed.status : undefined;
    const remaining = failed.response?.headers?.["x-ratelimit-remaining"];
    const rateLimited = status === 429 || (status === 403 && String(remaining) === "0");
    const message = String(failed.message ?? error).slice(0, 200);
    return {
      ok: false,
      ...(status ? { status } : {}),
      rateLimited,
      reason: `${prLabel(pr)}: ${status ? `GitHub answered ${status} (${message})` : `request failed (${message})`}`,
    };
  }
}
