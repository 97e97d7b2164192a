import type { Octokit } from "@octokit/rest";
import type { Config } from "../config/index.js";
import type { PullRequestState } from "../policy/index.js";
import { classifyStage } from "../policy/index.js";
import type { SourceFailure } from "../stage/facts.js";
import { type StageKey, stageId } from "../stage/key.js";
import { gate } from "../util/concurrency.js";
import { githubApi, type PullRead, readPull } from "./api.js";
import { type PullRequestRef, prLabel, prNumberOf } from "./stages.js";

export interface PullRequestStates {
  /** By stageId, for `decide({ prs })`: only pull requests GitHub answered for. */
  prs: Map<string, PullRequestState>;
  /** Reads that failed (404, 403, rate limit, network): those stages stay under the idle rule. Never blocking. */
  failures: SourceFailure[];
  /** Requests made: one per pull request, however many stages share it. */
  requests: number;
}

export interface PullRequestStatesDeps {
  config: Config;
  /** Default: githubApi() — GITHUB_API_URL and GITHUB_TOKEN from the environment. */
  github?: Octokit;
  concurrency?: number;
}

/**
 * The daily fallback for lost webhooks: the state of each pull request behind a stage whose kind expires when
 * its PR closes, read through the GitHub REST API. Only a 200 with `state: closed` makes a PR closed; anything
 * else leaves the stage to the idle rule and is reported. One request per pull request, a few at a time; once
 * GitHub says the rate limit is spent, the rest are not asked.
 */
export async function pullRequestStates(
  deps: PullRequestStatesDeps,
  stages: readonly StageKey[],
): Promise<PullRequestStates> {
  const { config } = deps;
  const byPull = new Map<string, { pr: PullRequestRef; stages: StageKey[] }>();
  for (const stage of stages) {
    const { rule } = classifyStage(stage, config);
    if (!rule?.expire.onPrClosed) continue;
    const repository = config.apps.find((app) => app.name === stage.app)?.repository;
    const number = prNumberOf(config, stage.stage);
    if (!repository || number === undefined) continue;
    const id = `${repository.toLowerCase()}#${number}`;
    const entry = byPull.get(id) ?? { pr: { repository, number }, stages: [] };
    entry.stages.push(stage);
    byPull.set(id, entry);
  }
  const result: PullRequestStates = { prs: new Map(), failures: [], requests: 0 };
  if (byPull.size === 0) return result;
  const github = deps.github ?? githubApi();
  const run = gate(deps.concurrency ?? 4);
  let spent: PullRead | undefined;
  const skipped: PullRequestRef[] = [];
  await Promise.all(
    [...byPull.values()].map(({ pr, stages: shared }) =>
      run(async () => {
        if (spent) {
          skipped.push(pr);
          return;
        }
        result.requests++;
        const read = await readPull(github, pr);
        if (!read.ok) {
          if (read.rateLimited) spent = read;
          const first = shared[0] as StageKey;
          result.failures.push({
            source: "github",
            account: first.account,
            region: first.region,
            message: `${read.reason}; the idle rule decides for ${shared.map((s) => `${s.app}/${s.stage}`).join(", ")}`,
          });
          return;
        }
        const state: PullRequestState = {
          state: read.state,
          ...(read.closedAt ? { closedAt: read.closedAt } : {}),
        };
        for (const stage of shared) result.prs.set(stageId(stage), state);
      }),
    ),
  );
  if (skipped.length > 0) {
    const first = byPull.values().next().value?.stages[0] as StageKey;
    result.failures.push({
      source: "github",
      account: first.account,
      message: `GitHub's rate limit is spent; ${skipped.length} pull requests were not checked (${skipped
        .slice(0, 5)
        .map(prLabel)
        .join(", ")}${skipped.length > 5 ? ", …" : ""}): set a GitHubToken for 5,000 requests an hour`,
    });
  }
  return result;
}
