import { z } from "zod";
import { describeError } from "../aws/clients.js";
import { gate } from "../util/concurrency.js";
import { readPull } from "./api.js";
import type { GitHubDeps } from "./deps.js";
import { cancelledNote, pendingNote, postNote } from "./notify.js";
import { REPOSITORY } from "./payload.js";
import {
  isPendingRemovalMessage,
  type PendingMessage,
  pendingMessageSchema,
  sendRecheck,
} from "./recheck.js";
import {
  type ClosedPullRequest,
  describeClose,
  type PullRequestRemoval,
  removeForPullRequest,
} from "./remove.js";
import { type PullRequestRef, prLabel } from "./stages.js";

export { isPendingRemovalMessage, type PendingMessage, pendingMessageSchema };

const time = z.iso.datetime({ offset: true });

/** A removal waiting out `github.graceMinutes`: one record per pull request, the latest close wins. */
export const pendingSchema = z.strictObject({
  repository: z.string().regex(REPOSITORY),
  number: z.number().int().positive(),
  stage: z.string(),
  status: z.enum(["pending", "cancelled", "started"]),
  closedAt: time,
  dueAt: time,
  merged: z.boolean(),
  /** The delivery that closed it: a delayed re-check for an older close is dropped. */
  delivery: z.string(),
  by: z.string().optional(),
  changedAt: time,
  note: z.string().max(1000).optional(),
});
export type PendingRemoval = z.infer<typeof pendingSchema>;

export function pendingKey(pr: PullRequestRef): string {
  return `github/pending/${pr.repository.toLowerCase()}/${pr.number}.json`;
}

/** Records the pending removal and sends its delayed re-check; the daily run catches it if the message is lost. */
export async function schedulePending(deps: GitHubDeps, pr: ClosedPullRequest & { delivery: string }) {
  const { now, config } = deps;
  const dueAt = new Date(pr.closedAt.getTime() + (config.github?.graceMinutes ?? 0) * 60_000);
  await deps.store.update(pendingKey(pr), pendingSchema, (current): PendingRemoval | undefined =>
    current?.status === "pending" && current.delivery === pr.delivery
      ? undefined
      : {
          repository: pr.repository,
          number: pr.number,
          stage: pr.stage,
          status: "pending",
          closedAt: pr.closedAt.toISOString(),
          dueAt: dueAt.toISOString(),
          merged: pr.merged,
          delivery: pr.delivery,
          ...(pr.by ? { by: pr.by } : {}),
          changedAt: now.toISOString(),
        },
  );
  const recheckFailed = await sendRecheck(
    deps,
    { kind: "github-pending", ...refOf(pr), delivery: pr.delivery },
    dueAt,
  );
  const text = pendingNote(prLabel(pr), describeClose(pr), pr.stage, dueAt);
  const slack = await postNote(deps.slack, config.slack?.channel, text);
  return { dueAt, ...(recheckFailed ? { recheckFailed } : {}), ...(slack ? { slack } : {}) };
}

/** `reopened`: a pending removal of this pull request is cancelled; "none" when nothing was pending. */
export async function cancelPending(deps: GitHubDeps, pr: PullRequestRef, why: string) {
  let cancelled: PendingRemoval | undefined;
  await deps.store.update(pendingKey(pr), pendingSchema, (current) => {
    cancelled = undefined;
    if (current?.status !== "pending") return undefined;
    cancelled = {
      ...current,
      status: "cancelled",
      changedAt: deps.now.toISOString(),
      note: why.slice(0, 1000),
    };
    return cancelled;
  });
  if (!cancelled) return { cancelled: false as const };
  const slack = await postNote(
    deps.slack,
    deps.config.slack?.channel,
    cancelledNote(prLabel(pr), cancelled.stage),
  );
  return { cancelled: true as const, stage: cancelled.stage, ...(slack ? { slack } : {}) };
}

export type PendingResult =
  | { action: "removed"; pr: string; outcome: PullRequestRemoval }
  | { action: "not-due" | "stale" | "cancelled" | "invalid"; pr?: string; reason: string };

/** The worker's handler for a `github-pending` message: acts when the removal is due, re-sends when not yet. */
export async function handlePendingRemoval(deps: GitHubDeps, message: unknown): Promise<PendingResult> {
  const parsed = pendingMessageSchema.safeParse(message);
  if (!parsed.success) return { action: "invalid", reason: "not a github-pending message: dropped" };
  const pr = parsed.data;
  const current = (await deps.store.get(pendingKey(pr), pendingSchema))?.value;
  if (current?.status !== "pending" || current.delivery !== pr.delivery) {
    return { action: "stale", pr: prLabel(pr), reason: "no removal is pending for this close any more" };
  }
  const dueAt = new Date(current.dueAt);
  if (dueAt > deps.now) {
    await sendRecheck(deps, pr, dueAt);
    return { action: "not-due", pr: prLabel(pr), reason: `due at ${current.dueAt}` };
  }
  return runDue(deps, current);
}

/** For the daily run: every pending removal whose grace is over (a lost or refused re-check message). */
export async function duePendingRemovals(deps: GitHubDeps, concurrency = 8): Promise<PendingResult[]> {
  const run = gate(concurrency);
  const listed = await deps.store.list("github/pending/");
  const records = await Promise.all(listed.map((l) => run(() => deps.store.get(l.key, pendingSchema))));
  const due = records.flatMap((r) =>
    r && r.value.status === "pending" && new Date(r.value.dueAt) <= deps.now ? [r.value] : [],
  );
  return Promise.all(due.map((record) => run(() => runDue(deps, record))));
}

async function runDue(deps: GitHubDeps, record: PendingRemoval): Promise<PendingResult> {
  const pr = prLabel(record);
  // A reopen whose webhook was lost: the API has the last word when it answers, and only "open" keeps the stage.
  if (deps.github) {
    const read = await readPull(deps.github, record);
    if (read.ok && read.state === "open") {
      const { cancelled } = await cancelPending(deps, record, "the pull request is open again (GitHub API)");
      if (cancelled) return { action: "cancelled", pr, reason: "the pull request is open again" };
    }
  }
  let taken = false;
  await deps.store.update(pendingKey(record), pendingSchema, (current): PendingRemoval | undefined => {
    taken = current?.status === "pending" && current.delivery === record.delivery;
    return taken && current
      ? { ...current, status: "started", changedAt: deps.now.toISOString() }
      : undefined;
  });
  if (!taken)
    return { action: "stale", pr, reason: "another run took this pending removal, or it was cancelled" };
  const closed: ClosedPullRequest = {
    ...refOf(record),
    stage: record.stage,
    closedAt: new Date(record.closedAt),
    merged: record.merged,
    delivery: record.delivery,
    ...(record.by ? { by: record.by } : {}),
  };
  let outcome: PullRequestRemoval;
  try {
    outcome = await removeForPullRequest(
      deps,
      closed,
      `after a ${deps.config.github?.graceMinutes ?? 0}-minute grace`,
    );
  } catch (error) {
    await setStatus(deps, record, "pending", `retrying: ${describeError(error)}`);
    throw error;
  }
  await setStatus(deps, record, "started", outcome.results.map((r) => `${r.stage}: ${r.outcome}`).join("; "));
  return { action: "removed", pr, outcome };
}

async function setStatus(
  deps: GitHubDeps,
  record: PendingRemoval,
  status: PendingRemoval["status"],
  note: string,
) {
  await deps.store.update(pendingKey(record), pendingSchema, (current): PendingRemoval | undefined =>
    current && current.delivery === record.delivery
      ? { ...current, status, changedAt: deps.now.toISOString(), note: note.slice(0, 1000) }
      : undefined,
  );
}

function refOf(pr: PullRequestRef): PullRequestRef {
  return { repository: pr.repository, number: pr.number };
}
