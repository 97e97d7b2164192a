import { type Config, type KindRule, RESERVED_KINDS } from "../config/index.js";
import type { SourceFailure, StageFacts } from "../stage/facts.js";
import { type ExpiryTrigger, expiryOf, type PullRequestState } from "./expiry.js";
import { blockingFailure, describeFailure } from "./failures.js";
import { classifyStage } from "./kinds.js";
import { addHours, clean, formatTime, later, plural, wholeHoursSince } from "./text.js";

/** `removing` and `failed` are set by the removal flow; the policy itself never produces them. */
export const DECISIONS = [
  "remove",
  "expiring",
  "unknown",
  "locked",
  "orphaned",
  "removing",
  "failed",
  "keep",
  "protected",
] as const;
export type Decision = (typeof DECISIONS)[number];

export interface KeepOverride {
  until: Date;
  by: string;
  reason?: string;
}

export interface StageVerdict {
  kind: string;
  decision: Decision;
  /** One sentence, naming the facts, that a person can accept or dispute. */
  reason: string;
  /** For `expiring` and `remove`: when the removal may happen (never before the warning lead time). */
  removeAt?: Date;
  /** When the kind's rule made the stage due: orders the per-run cap. */
  expiresAt?: Date;
  /** Short form of what made the stage due, e.g. "idle 9 days". */
  due?: string;
}

export interface StageContext {
  facts: StageFacts;
  config: Config;
  now: Date;
  override?: KeepOverride;
  warnedAt?: Date;
  pr?: PullRequestState;
  failures: readonly SourceFailure[];
}

/** The decision for one stage. Pure: everything it depends on, the clock included, is in `context`. */
export function decideStage(context: StageContext): StageVerdict {
  const verdict = baseVerdict(context);
  const { facts } = context;
  const due = verdict.decision === "remove" || verdict.decision === "expiring";
  // "Already removed" and "orphaned" rest on complete state and tag reads just as a removal does.
  const gone = !facts.live && (verdict.decision === "keep" || verdict.decision === "orphaned");
  if (!due && !gone) return verdict;
  const failure = blockingFailure(context.failures, facts);
  if (failure) {
    const what = due ? `is due (${verdict.due})` : "looks removed or orphaned";
    return {
      ...verdict,
      decision: "unknown",
      reason: `${facts.stage} ${what} but ${describeFailure(failure)}, so it is not acted on this run.`,
      removeAt: undefined,
    };
  }
  if (due && facts.protect === "unknown") {
    return {
      ...verdict,
      decision: "unknown",
      reason: `state has no _protect (written by SST before v3.3.69), so ${facts.stage} is not removed although it is due (${verdict.due}); redeploy it with a current SST to record protect.`,
      removeAt: undefined,
    };
  }
  return verdict;
}

/** The rules in precedence order, before the fail-closed gates in `decideStage`. */
function baseVerdict({ facts, config, now, override, warnedAt, pr }: StageContext): StageVerdict {
  const { kind, rule } = classifyStage(facts, config);
  const name = facts.stage;
  const say = (decision: Decision, reason: string): StageVerdict => ({ kind, decision, reason });
  if (facts.protect === true) {
    return say("protected", `${name} is protected: its SST config sets protect (_protect in state).`);
  }
  if (kind === RESERVED_KINDS.unknown) {
    const shown = JSON.stringify(clean(`${facts.app}/${name}`, 80));
    return say("unknown", `${shown} is not a valid SST app and stage name, so it is never acted on.`);
  }
  // Facts about what is happening now come before kinds and keeps: none of them can lead to a removal.
  if (facts.lock) return say("locked", lockReason(facts, config.staleLockHours, now));
  if (!facts.live) {
    const tagged = facts.taggedResources;
    if (tagged === 0) {
      return say("keep", `${name} was already removed: its state is empty and nothing tagged remains.`);
    }
    const remain = `${plural(tagged, "tagged resource")} remain${tagged === 1 ? "s" : ""}`;
    return say("orphaned", `${name} has no live SST state but ${remain}; they are reported, never deleted.`);
  }
  if (kind === RESERVED_KINDS.permanent) {
    return say("protected", `${name} is a permanent stage; permanent stages are never removed.`);
  }
  if (override && override.until.getTime() > now.getTime()) {
    const why = override.reason ? ` (${clean(override.reason)})` : "";
    return say(
      "keep",
      `${name} is kept until ${formatTime(override.until)} by ${clean(override.by, 40)}${why}.`,
    );
  }
  if (!rule || kind === RESERVED_KINDS.other) {
    return say(
      "keep",
      `${name} is an other stage (no kind rule removes it): priced and reported, never removed.`,
    );
  }
  if (!rule.removable) return say("keep", `${name} is a ${kind} stage; ${kind} stages are not removable.`);
  const expiry = expiryOf({ facts, kind, rule, now, pr, graceMinutes: config.github?.graceMinutes ?? 0 });
  if (expiry.status === "missing") return say("unknown", expiry.reason);
  if (expiry.status === "never") return say("keep", expiry.reason);
  return dueVerdict(kind, rule, expiry.trigger, now, countedWarning(facts, override, warnedAt));
}

/** Warned once, ahead of the removal; removed only after the full lead time has passed. */
function dueVerdict(
  kind: string,
  rule: KindRule,
  trigger: ExpiryTrigger,
  now: Date,
  warnedAt?: Date,
): StageVerdict {
  const base = { kind, expiresAt: trigger.at, due: trigger.short };
  if (trigger.at.getTime() > addHours(now, rule.warnHours).getTime()) {
    return {
      ...base,
      decision: "keep",
      reason: `${trigger.clause}, so it expires ${formatTime(trigger.at)}.`,
    };
  }
  // Not warned yet: the warning goes out with this plan, so the lead time starts now.
  const removeAt = later(trigger.at, addHours(warnedAt ?? now, rule.warnHours));
  if (warnedAt && now.getTime() >= removeAt.getTime()) {
    return {
      ...base,
      decision: "remove",
      removeAt,
      reason: `${trigger.clause}, and it was warned ${formatTime(warnedAt)}.`,
    };
  }
  return {
    ...base,
    decision: "expiring",
    removeAt,
    reason: `${trigger.clause}, so it will be removed after ${formatTime(removeAt)} unless kept.`,
  };
}

/**
 * A warning counts only for the current idle period: one sent before the last deploy, or before a keep
 * that has since run out, warned about an expiry that no longer exists, so a new warning is due.
 */
export function countedWarning(
  facts: Pick<StageFacts, "lastDeployedAt">,
  override?: KeepOverride,
  warnedAt?: Date,
): Date | undefined {
  if (!warnedAt) return undefined;
  if (facts.lastDeployedAt && warnedAt.getTime() < facts.lastDeployedAt.getTime()) return undefined;
  if (override && warnedAt.getTime() < override.until.getTime()) return undefined;
  return warnedAt;
}

function lockReason(facts: StageFacts, staleLockHours: number, now: Date): string {
  const lock = facts.lock;
  if (!lock) return "";
  // The lock file is not ours: name its command only when it looks like one.
  const by = lock.command && /^[a-z]{2,20}$/.test(lock.command) ? `an sst ${lock.command}` : "an update";
  const hours = wholeHoursSince(lock.createdAt, now);
  if (hours < staleLockHours) {
    return `${facts.stage} is locked by ${by} started ${formatTime(lock.createdAt)}; it is left alone until the update ends.`;
  }
  return `${facts.stage} has been locked by ${by} since ${formatTime(lock.createdAt)} (${plural(hours, "hour")}, beyond the ${staleLockHours}-hour stale-lock age); run sst unlock once no update is running.`;
}
