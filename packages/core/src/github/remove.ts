import { describeError } from "../aws/clients.js";
import type { Trigger } from "../ledger/records.js";
import { passGate } from "../removal/gate.js";
import { enqueueRemoval, queueUrl } from "../removal/request.js";
import type { StageCost } from "../stage/facts.js";
import { type StageKey, stageId } from "../stage/key.js";
import type { GitHubDeps } from "./deps.js";
import { latestCosts, postNote, removalNote } from "./notify.js";
import { accountsFor, appsFor, type PullRequestRef, prLabel, stageKeys } from "./stages.js";

/** A closed pull request and the stage it deployed to, as the webhook (or a pending removal) knows it. */
export interface ClosedPullRequest extends PullRequestRef {
  stage: string;
  closedAt: Date;
  merged: boolean;
  /** The GitHub login that closed it, when known. */
  by?: string;
  /** The X-GitHub-Delivery that said so. */
  delivery?: string;
}

export interface StageResult {
  /** The stageId, or `<account>/*\/<app>/<stage>` when the account could not be reached. */
  stage: string;
  /** queued: claimed and sent to the worker; claimed: claimed, but the queue failed (the daily run resends). */
  outcome: "queued" | "claimed" | "dry-run" | "refused" | "failed";
  reason: string;
  removalId?: string;
}

export interface PullRequestRemoval {
  results: StageResult[];
  /** Set when the Slack note could not be sent: reported, never a failure. */
  slack?: string;
}

export function describeClose(pr: ClosedPullRequest): string {
  return pr.merged ? "merged" : "closed without merging";
}

/**
 * Removes the stage of a closed pull request wherever it may live: each app deployed from the repository, in
 * its account (or every configured one) and each configured region. Every place goes through the safety gate,
 * which reads the stage again and refuses a stage that is missing, protected, locked, kept, not of kind `pr`
 * or already being removed; only a claimed stage reaches the removal queue.
 */
export async function removeForPullRequest(
  deps: GitHubDeps,
  pr: ClosedPullRequest,
  detail?: string,
): Promise<PullRequestRemoval> {
  const { config, store, now } = deps;
  const apps = appsFor(config, pr.repository);
  const queue = config.removal?.queue;
  // Independent reads, side by side: the reply must reach GitHub within 10 s.
  const [resolved, costs, url] = await Promise.all([
    deps.targets(accountsFor(config, apps)),
    latestCosts(store),
    queue && !config.dryRun
      ? queueUrl(deps.sqs, queue).catch((error: unknown) => new Error(describeError(error)))
      : "",
  ]);
  const results: StageResult[] = resolved.failures.flatMap((failure) =>
    apps.map((app) => ({
      stage: `${failure.account}/*/${app.name}/${pr.stage}`,
      outcome: "failed" as const,
      reason: `cannot act in account ${failure.account} (${failure.message}); nothing is removed there`,
    })),
  );
  const keys = stageKeys(apps, pr.stage, resolved.targets);
  if (!config.removal) {
    results.push(
      ...keys.map((key) => ({
        stage: stageId(key),
        outcome: "refused" as const,
        reason: "removal.project is not configured",
      })),
    );
    return { results };
  }
  if (url instanceof Error) {
    // Before any claim: a claim without a queue would wait for the next daily run.
    const reason = `the removal queue cannot be reached (${url.message}); nothing was claimed`;
    results.push(...keys.map((key) => ({ stage: stageId(key), outcome: "failed" as const, reason })));
    return { results };
  }
  const trigger: Trigger = {
    surface: "github",
    by: prLabel(pr).slice(0, 200),
    detail: [describeClose(pr), pr.by && `by ${pr.by}`, pr.delivery && `delivery ${pr.delivery}`, detail]
      .filter(Boolean)
      .join("; ")
      .slice(0, 500),
  };
  const targets = new Map(resolved.targets.map((t) => [t.account, t]));
  const gateDeps = {
    store,
    config,
    now,
    target: (account: string) => targets.get(account),
    ...(deps.readStage ? { readStage: deps.readStage } : {}),
  };
  const queued: { key: StageKey; cost?: StageCost | undefined }[] = [];
  const gated = await Promise.all(
    keys.map(async (key): Promise<StageResult> => {
      const id = stageId(key);
      const cost = costs.get(id);
      try {
        const result = await passGate(gateDeps, {
          key,
          trigger,
          intent: { kind: "pr-closed", pr: { state: "closed", closedAt: pr.closedAt } },
          ...(cost ? { cost } : {}),
        });
        if (result.outcome === "refused") return { stage: id, outcome: "refused", reason: result.reason };
        if (result.outcome === "dry-run") return { stage: id, outcome: "dry-run", reason: result.reason };
        const { removalId } = result;
        queued.push({ key, cost });
        try {
          await enqueueRemoval(deps.sqs, url, { removalId, ...key });
          return { stage: id, outcome: "queued", reason: `removal ${removalId} queued`, removalId };
        } catch (error) {
          const reason = `removal ${removalId} claimed, but queueing failed (${describeError(error)}); the next daily run hands it to the worker`;
          return { stage: id, outcome: "claimed", reason, removalId };
        }
      } catch (error) {
        return { stage: id, outcome: "failed", reason: `the safety gate failed (${describeError(error)})` };
      }
    }),
  );
  results.push(...gated);
  const slack = queued.length
    ? await postNote(deps.slack, config.slack?.channel, removalNote(prLabel(pr), describeClose(pr), queued))
    : undefined;
  return { results, ...(slack ? { slack } : {}) };
}
