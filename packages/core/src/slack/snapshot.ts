import { z } from "zod";
import { LATEST_RUN, type RunSnapshot, runSnapshotSchema } from "../ledger/runs.js";
import type { LedgerStore } from "../ledger/store.js";
import { type Money, parseMoney, scaleMoney } from "../money/index.js";
import {
  ACCOUNT_ID,
  isValidAppName,
  isValidStageName,
  REGION,
  type StageKey,
  stageId,
} from "../stage/key.js";

const amount = z.string().regex(/^-?\d+(\.\d+)?$/);
const costSchema = z.looseObject({
  yesterday: amount,
  last7Days: amount,
  monthToDate: amount,
  forecast: amount,
  estimated: z.boolean(),
});

/** The part of a plan's stage (planToJson) that Slack answers from. */
const stageSchema = z.looseObject({
  account: z.string().regex(ACCOUNT_ID),
  region: z.string().regex(REGION),
  app: z.string().refine(isValidAppName),
  stage: z.string().refine(isValidStageName),
  kind: z.string(),
  decision: z.string(),
  reason: z.string(),
  removeAt: z.string().nullish(),
  owner: z.string().nullish(),
  idleDays: z.number().nullish(),
  cost: costSchema.nullish(),
});

export interface SnapshotStage extends StageKey {
  kind: string;
  decision: string;
  reason: string;
  removeAt?: string;
  owner?: string;
  idleDays?: number;
  cost?: { yesterday: Money; last7Days: Money; monthToDate: Money; forecast: Money; estimated: boolean };
}

export interface Snapshot {
  at: Date;
  dryRun: boolean;
  suspended?: string;
  stages: SnapshotStage[];
  /** Sources the run could not read, in its own words. */
  failures: string[];
}

const failureSchema = z.looseObject({ source: z.string(), account: z.string(), message: z.string() });

/** The parsed latest snapshot per ledger, with the ETag it was read at: a warm function parses it once a run. */
const cache = new WeakMap<LedgerStore, { etag: string; snapshot: Snapshot }>();

const bare = (etag: string | undefined) => (etag ?? "").replace(/^W\//, "").replace(/"/g, "");

/**
 * The latest run as Slack needs it. The snapshot holds every stage's daily costs (megabytes for thousands of
 * stages), so a warm function keeps the parsed copy and asks only for its ETag (one small list request)
 * before each use; it reads and parses again only when a new run has replaced it.
 */
export async function readSnapshot(store: LedgerStore): Promise<Snapshot | undefined> {
  const listed = (await store.list(LATEST_RUN)).find((l) => l.key === LATEST_RUN);
  if (!listed) return undefined;
  const cached = cache.get(store);
  if (cached && listed.etag && bare(listed.etag) === cached.etag) return cached.snapshot;
  const read = await store.get(LATEST_RUN, runSnapshotSchema);
  if (!read) return undefined;
  const snapshot = toSnapshot(read.value);
  cache.set(store, { etag: bare(read.etag), snapshot });
  return snapshot;
}

function toSnapshot(run: RunSnapshot): Snapshot {
  const stages = run.plan.stages.flatMap((raw): SnapshotStage[] => {
    const parsed = stageSchema.safeParse(raw);
    if (!parsed.success) return [];
    const s = parsed.data;
    return [
      {
        account: s.account,
        region: s.region,
        app: s.app,
        stage: s.stage,
        kind: s.kind,
        decision: s.decision,
        reason: s.reason,
        ...(s.removeAt ? { removeAt: s.removeAt } : {}),
        ...(s.owner ? { owner: s.owner } : {}),
        ...(typeof s.idleDays === "number" ? { idleDays: s.idleDays } : {}),
        ...(s.cost
          ? {
              cost: {
                yesterday: parseMoney(s.cost.yesterday),
                last7Days: parseMoney(s.cost.last7Days),
                monthToDate: parseMoney(s.cost.monthToDate),
                forecast: parseMoney(s.cost.forecast),
                estimated: s.cost.estimated,
              },
            }
          : {}),
      },
    ];
  });
  const failures = z.array(failureSchema).safeParse((run.plan as { failures?: unknown }).failures);
  return {
    at: new Date(run.at),
    dryRun: run.dryRun,
    ...(run.suspended ? { suspended: run.suspended } : {}),
    stages,
    failures: failures.success ? failures.data.map((f) => `${f.source} in ${f.account}: ${f.message}`) : [],
  };
}

export function findStage(stages: readonly SnapshotStage[], key: StageKey): SnapshotStage | undefined {
  const id = stageId(key);
  return stages.find((s) => stageId(s) === id);
}

/** What the stage costs per month at its 7-day run rate (30 days). */
export function monthlyRate(cost: NonNullable<SnapshotStage["cost"]>): Money {
  return scaleMoney(cost.last7Days, 30n, 7n);
}
