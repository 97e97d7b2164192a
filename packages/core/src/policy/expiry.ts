import type { KindRule } from "../config/index.js";
import type { StageFacts } from "../stage/facts.js";
import { addDays, formatTime, plural, wholeDaysSince } from "./text.js";

export interface PullRequestState {
  state: "open" | "closed";
  closedAt?: Date;
}

/** One configured trigger, with the wording a reason needs: a full clause and a short form. */
export interface ExpiryTrigger {
  at: Date;
  clause: string;
  short: string;
}

export type Expiry =
  | { status: "expires"; trigger: ExpiryTrigger }
  | { status: "never"; reason: string }
  | { status: "missing"; reason: string };

export interface ExpiryInput {
  facts: StageFacts;
  kind: string;
  rule: KindRule;
  now: Date;
  pr?: PullRequestState;
  graceMinutes: number;
}

/** The earliest of the rule's configured triggers; without the dates a trigger needs, fail closed. */
export function expiryOf({ facts, kind, rule, now, pr, graceMinutes }: ExpiryInput): Expiry {
  const { idleDays, ageDays, at, onPrClosed } = rule.expire;
  const name = facts.stage;
  // A missing date falls back to the other one: created ≤ last deployed, so either fallback errs late.
  const deployed = facts.lastDeployedAt ?? facts.createdAt;
  const created = facts.createdAt ?? facts.lastDeployedAt;
  if ((idleDays !== undefined || ageDays !== undefined) && (!deployed || !created)) {
    return {
      status: "missing",
      reason: `${name} has no created or last-deployed time in its state, so its ${kind} expiry cannot be judged and it is not removed.`,
    };
  }
  const triggers: ExpiryTrigger[] = [];
  if (idleDays !== undefined && deployed) {
    const idle = plural(wholeDaysSince(deployed, now), "day");
    triggers.push({
      at: addDays(deployed, idleDays),
      clause: `${name} has been idle ${idle}; ${kind} stages expire after ${plural(idleDays, "idle day")}`,
      short: `idle ${idle}`,
    });
  }
  if (ageDays !== undefined && created) {
    const age = plural(wholeDaysSince(created, now), "day");
    triggers.push({
      at: addDays(created, ageDays),
      clause: `${name} is ${age} old; ${kind} stages expire ${plural(ageDays, "day")} after creation`,
      short: `${age} old`,
    });
  }
  if (at !== undefined) {
    const date = new Date(at);
    triggers.push({
      at: date,
      clause: `${kind} stages expire on ${formatTime(date)}`,
      short: `${kind} expiry date`,
    });
  }
  if (onPrClosed && pr?.state === "closed") {
    // A closed PR without a close time is still closed: count it from now, which is never early.
    const closedAt = pr.closedAt ?? now;
    const grace = graceMinutes > 0 ? ` ${plural(graceMinutes, "minute")} after` : " when";
    triggers.push({
      at: new Date(closedAt.getTime() + graceMinutes * 60_000),
      clause: `the pull request of ${name} was closed ${formatTime(closedAt)}; ${kind} stages expire${grace} it closes`,
      short: "pull request closed",
    });
  }
  const earliest = triggers.reduce<ExpiryTrigger | undefined>(
    (best, next) => (best && best.at.getTime() <= next.at.getTime() ? best : next),
    undefined,
  );
  if (earliest) return { status: "expires", trigger: earliest };
  const why =
    onPrClosed && pr?.state === "open" ? "its pull request is open" : `no expiry rule of ${kind} applies yet`;
  return { status: "never", reason: `${name} does not expire: ${why}.` };
}
