import { randomUUID } from "node:crypto";
import type { AccountTarget } from "../aws/accounts.js";
import { describeError } from "../aws/clients.js";
import type { Config } from "../config/index.js";
import { readStageNow } from "../inventory/stage.js";
import { audit } from "../ledger/audit.js";
import {
  activeKeep,
  newRecord,
  recordKey,
  type StageRecord,
  stageRecordSchema,
  type Trigger,
} from "../ledger/records.js";
import type { LedgerStore } from "../ledger/store.js";
import {
  classifyStage,
  type Decision,
  decideStage,
  formatTime,
  type PullRequestState,
} from "../policy/index.js";
import type { StageCost, StageFacts } from "../stage/facts.js";
import { isValidStageKey, type StageKey, stageId } from "../stage/key.js";
import { protectionLifted } from "./protection.js";

/** Why a surface asks: each surface has its own bar on top of the common checks. */
export type Intent =
  /** The daily run: the plan said `remove`; the facts must still say so. */
  | { kind: "expired"; plannedDeployAt?: Date }
  /** A person (CLI, Slack): any removable kind, expired or not. */
  | { kind: "manual" }
  /** GitHub: the PR's state as read again by the caller; only a `pr` stage whose PR is closed. */
  | { kind: "pr-closed"; pr: PullRequestState };

export interface GateRequest {
  key: StageKey;
  trigger: Trigger;
  intent: Intent;
  /** What the stage costs, for the audit log. */
  cost?: StageCost;
}

export type GateResult =
  | { outcome: "claimed"; removalId: string; record: StageRecord }
  | { outcome: "dry-run"; reason: string }
  | { outcome: "refused"; decision: Decision | "kept" | "not-found" | "invalid"; reason: string };

export interface GateDeps {
  store: LedgerStore;
  config: Config;
  now: Date;
  /** Credentials that act in an account; undefined when Stagekeeper may not act there. */
  target: (account: string) => AccountTarget | undefined;
  readStage?: (target: AccountTarget, key: StageKey) => Promise<StageFacts | undefined>;
}

/**
 * The one way to a removal, from every surface. It reads the stage's facts again right now, applies the
 * policy and the surface's bar, and takes the claim with a conditional write on the stage's ledger record —
 * the record that also holds keep-until, so a keep and a claim can never both win. When in doubt, it refuses.
 */
export async function passGate(deps: GateDeps, request: GateRequest): Promise<GateResult> {
  const result = await evaluate(deps, request);
  const action =
    result.outcome === "claimed" ? "claimed" : result.outcome === "dry-run" ? "would-remove" : "refused";
  const reason = result.outcome === "claimed" ? `removal ${result.removalId} claimed` : result.reason;
  await audit(deps.store, {
    action,
    reason,
    trigger: request.trigger,
    ...(isValidStageKey(request.key) ? { stage: request.key } : {}),
    ...(result.outcome === "claimed" ? { removalId: result.removalId } : {}),
    ...(request.cost ? { cost: request.cost } : {}),
    now: deps.now,
  });
  return result;
}

async function evaluate(deps: GateDeps, request: GateRequest): Promise<GateResult> {
  const { key, intent } = request;
  const { config, now } = deps;
  if (!isValidStageKey(key))
    return refuse("invalid", "the account, region, app or stage name is not one SST could have written");
  const id = stageId(key);
  const app = config.apps.find((a) => a.name === key.app);
  if (!app)
    return refuse("unknown", `app ${key.app} is not configured with a repository to run sst remove from`);
  if (app.account && app.account !== key.account) {
    return refuse("unknown", `app ${key.app} deploys to account ${app.account}, not ${key.account}`);
  }
  const { kind, rule } = classifyStage(key, config);
  if (!rule?.removable)
    return refuse("keep", `${key.stage} is a ${kind} stage; ${kind} stages are never removed`);
  if (intent.kind === "pr-closed" && kind !== "pr")
    return refuse("keep", `${key.stage} is a ${kind} stage, not a pr stage`);
  if (intent.kind === "pr-closed" && intent.pr.state !== "closed") {
    return refuse("keep", `the pull request for ${key.stage} is ${intent.pr.state} again`);
  }
  const target = deps.target(key.account);
  if (!target) return refuse("unknown", `Stagekeeper is not configured to act in account ${key.account}`);

  let facts: StageFacts | undefined;
  try {
    facts = await (deps.readStage ?? readStageNow)(target, key);
  } catch (error) {
    return refuse(
      "unknown",
      `the state of ${id} could not be read (${describeError(error)}); nothing is removed`,
    );
  }
  if (!facts) return refuse("not-found", `${id} has no SST state`);
  if (!facts.live) return refuse("keep", `${id} has no live resources; there is nothing to remove`);
  if (
    intent.kind === "expired" &&
    intent.plannedDeployAt &&
    (facts.lastDeployedAt ?? now) > intent.plannedDeployAt
  ) {
    return refuse("keep", `${id} was deployed again since the plan was made`);
  }

  let refusal: GateResult | undefined;
  const removalId = randomUUID();
  const claimed = await deps.store.update(
    recordKey(key),
    stageRecordSchema,
    (current): StageRecord | undefined => {
      const record = current ?? newRecord(key, now);
      refusal = check(record, facts, intent, deps);
      if (refusal || config.dryRun) return undefined;
      const attempt = record.attempts.filter((a) => a.removalId !== removalId).length + 1;
      return {
        ...record,
        claim: removalId,
        status: "removing",
        attempts: [
          ...record.attempts,
          { removalId, attempt, trigger: request.trigger, claimedAt: now.toISOString() },
        ],
      };
    },
  );
  if (refusal) return refusal;
  if (config.dryRun) return { outcome: "dry-run", reason: `dry run: ${id} would be removed` };
  if (!claimed) throw new Error(`ledger record ${recordKey(key)} vanished while claiming`);
  return { outcome: "claimed", removalId, record: claimed.value };
}

/** The checks that depend on the ledger record: run again on every conditional-write attempt. */
function check(
  record: StageRecord,
  facts: StageFacts,
  intent: Intent,
  deps: GateDeps,
): GateResult | undefined {
  const { now, config } = deps;
  const keep = activeKeep(record, now);
  if (keep)
    return refuse("kept", `${facts.stage} is kept until ${formatTime(new Date(keep.until))} by ${keep.by}`);
  if (record.claim)
    return refuse("removing", `${facts.stage} is already being removed (removal ${record.claim})`);
  if (record.status === "protected" && !protectionLifted(record, facts)) {
    return refuse("protected", `sst remove refused ${facts.stage}: its app's sst.config.ts protects it`);
  }
  if (intent.kind === "expired" && record.status === "failed") {
    return refuse("failed", `removing ${facts.stage} failed before; a person must look at it`);
  }
  if (intent.kind === "expired" && record.retryAt && new Date(record.retryAt) > now) {
    return refuse("keep", `${facts.stage} is retried after ${formatTime(new Date(record.retryAt))}`);
  }
  // The policy only asks about `_protect` for stages that are due; a person can ask for any stage.
  if (facts.protect === true)
    return refuse("protected", `${facts.stage} is protected: its state records _protect`);
  if (facts.protect === "unknown") {
    return refuse(
      "unknown",
      `${facts.stage}'s state has no _protect (written by SST before v3.3.69); redeploy it first`,
    );
  }
  const verdict = decideStage({
    facts,
    config,
    now,
    ...(record.warning ? { warnedAt: new Date(record.warning.at) } : {}),
    ...(intent.kind === "pr-closed" ? { pr: intent.pr } : {}),
    failures: [],
  });
  const blocked = ["protected", "locked", "unknown", "orphaned"].includes(verdict.decision);
  if (blocked) return refuse(verdict.decision, verdict.reason);
  if (intent.kind === "expired" && verdict.decision !== "remove")
    return refuse(verdict.decision, verdict.reason);
  return undefined;
}

type Refusal = Extract<GateResult, { outcome: "refused" }>;

function refuse(decision: Refusal["decision"], reason: string): Refusal {
  return { outcome: "refused", decision, reason };
}
