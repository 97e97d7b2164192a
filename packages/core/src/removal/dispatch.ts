import { SendMessageCommand } from "@aws-sdk/client-sqs";
import type { GitHubDeps } from "../github/deps.js";
import { handlePendingRemoval } from "../github/pending.js";
import { type Environment, removalQueueOf } from "../run/environment.js";
import { SLACK_ACTION_KIND } from "../slack/message.js";
import { handleSlackAction, type SlackActionDeps } from "../slack/worker-action.js";
import { claimedRecords, reconcileRemovals } from "./reconcile.js";
import type { RemovalRequest } from "./request.js";
import { processRemoval, type WorkerDeps } from "./worker.js";

export const RECONCILE_KIND = "reconcile";

/** Asks the worker to settle removals in flight: it alone may look builds up and start them again. */
export async function enqueueReconcile(env: Environment): Promise<void> {
  if (!env.config.ledger || !env.config.removal || env.config.dryRun) return;
  const queue = await removalQueueOf(env);
  const body = JSON.stringify({ kind: RECONCILE_KIND, requestedAt: env.now.toISOString() });
  await queue.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }));
}

export interface DispatchDeps {
  worker: WorkerDeps;
  /** Slack actions need the gate's account access and response_url. */
  slack?: Omit<SlackActionDeps, "startRemoval">;
  github?: GitHubDeps;
}

/**
 * What the removal queue carries, each to its handler: a removal the gate already claimed (no kind), a
 * reconciliation, a confirmed Slack removal (the gate runs here: Slack's 3 s did not allow it), and a PR
 * removal whose grace period ended. Throwing leaves the message on the queue to be delivered again.
 */
export function dispatcher(deps: DispatchDeps): (body: string) => Promise<unknown> {
  const start = (request: RemovalRequest) => processRemoval(deps.worker, request);
  return async (body) => {
    let message: { kind?: unknown } | undefined;
    try {
      message = JSON.parse(body) as { kind?: unknown };
    } catch {
      message = undefined;
    }
    switch (message?.kind) {
      case RECONCILE_KIND:
        return reconcileRemovals(deps.worker, await claimedRecords(deps.worker.store));
      case SLACK_ACTION_KIND:
        if (!deps.slack) throw new Error("a Slack action reached a worker without Slack configured");
        return handleSlackAction({ ...deps.slack, startRemoval: start }, message);
      case "github-pending":
        if (!deps.github) throw new Error("a pending PR removal reached a worker without GitHub configured");
        return handlePendingRemoval(deps.github, message);
      default:
        return processRemoval(deps.worker, message);
    }
  };
}
