import type { Clock } from "../../clock.js";
import type { Seed } from "../../seed/schema.js";
import type { PullRequest } from "./shapes.js";

const REPOSITORY = /^[\w.-]+\/[\w.-]+$/;
const DAY_MS = 86_400_000;

/** What a test may change about a pull request (`POST /_sandbox/github/pulls`, and the webhook driver). */
export interface PullChange {
  repository: string;
  number: number;
  state?: "open" | "closed";
  merged?: boolean;
  author?: string;
  /** A status the REST API answers for this PR instead of 200 (403, 404, 500, ...); null clears it. */
  answer?: number | null;
}

/** The pull requests of every repository: seeded, then changed by tests and by delivered webhooks. */
export class Pulls {
  private readonly byKey = new Map<string, PullRequest>();

  constructor(
    seed: Seed["github"]["pulls"],
    private readonly clock: Clock,
  ) {
    const now = clock.now();
    for (const pull of seed) {
      const closedAt = pull.state === "closed" ? new Date(pull.closedAt ?? now) : undefined;
      const createdAt = new Date((closedAt ?? now).getTime() - 2 * DAY_MS);
      this.byKey.set(key(pull.repository, pull.number), {
        repository: pull.repository,
        number: pull.number,
        state: pull.state,
        merged: pull.state === "closed" && pull.merged,
        author: pull.author,
        createdAt,
        updatedAt: closedAt ?? createdAt,
        ...(closedAt ? { closedAt } : {}),
        ...(closedAt && pull.merged ? { mergedAt: closedAt } : {}),
      });
    }
  }

  get(repository: string, number: number): PullRequest | undefined {
    return this.byKey.get(key(repository, number));
  }

  all(): PullRequest[] {
    return [...this.byKey.values()];
  }

  /** Creates or changes a pull request as GitHub would: closing sets closed_at (and merged_at), reopening clears them. */
  change(change: PullChange): PullRequest {
    if (typeof change.repository !== "string" || !REPOSITORY.test(change.repository))
      throw new Error('repository must be "owner/name"');
    if (!Number.isInteger(change.number) || change.number < 1)
      throw new Error("number must be a positive integer");
    if (change.state !== undefined && change.state !== "open" && change.state !== "closed")
      throw new Error('state must be "open" or "closed"');
    if (
      change.answer != null &&
      !(Number.isInteger(change.answer) && change.answer >= 400 && change.answer < 600)
    )
      throw new Error("answer must be an HTTP error status (400-599) or null");
    const now = this.clock.now();
    const existing = this.get(change.repository, change.number);
    const pull: PullRequest = existing ?? {
      repository: change.repository,
      number: change.number,
      state: "open",
      merged: false,
      author: change.author ?? "octocat",
      createdAt: new Date(now.getTime() - DAY_MS),
      updatedAt: now,
    };
    const state = change.state ?? (change.merged ? "closed" : pull.state);
    const merged = state === "closed" && (change.merged ?? (state === pull.state ? pull.merged : false));
    if (change.merged && state !== "closed") throw new Error("a merged pull request is closed");
    if (state === "closed" && (pull.state !== "closed" || !existing)) pull.closedAt = now;
    if (state === "open") delete pull.closedAt;
    if (merged && !pull.mergedAt) pull.mergedAt = now;
    if (!merged) delete pull.mergedAt;
    pull.state = state;
    pull.merged = merged;
    pull.updatedAt = now;
    if (change.author) pull.author = change.author;
    if (change.answer === null) delete pull.answer;
    else if (change.answer !== undefined) pull.answer = change.answer;
    this.byKey.set(key(pull.repository, pull.number), pull);
    return pull;
  }
}

function key(repository: string, number: number): string {
  return `${repository.toLowerCase()}#${number}`;
}
