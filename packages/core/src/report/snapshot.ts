import { z } from "zod";
import type { RunSnapshot } from "../ledger/runs.js";
import { type Money, parseMoney } from "../money/index.js";
import { DECISIONS, type Decision } from "../policy/index.js";
import type { StageKey } from "../stage/key.js";

/**
 * A run snapshot's plan (planToJson's shape, docs/plan-schema.md) read back with exact money. Snapshots are our
 * own writing, but they outlive code versions: they are parsed at this boundary, and a field that a newer or
 * older version left out reads as unknown rather than failing the whole report.
 */
const money = z.string().regex(/^-?\d+(\.\d+)?$/);
const time = z.iso.datetime({ offset: true });
const nullable = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);

const costSchema = z.looseObject({
  yesterday: money,
  last7Days: money,
  monthToDate: money,
  forecast: money,
  estimated: z.boolean().default(false),
  daily: z.array(z.looseObject({ date: z.iso.date(), amount: money })).default([]),
});

const stageSchema = z.looseObject({
  account: z.string(),
  region: z.string(),
  app: z.string(),
  stage: z.string(),
  kind: z.string(),
  decision: z.enum(DECISIONS),
  reason: z.string(),
  removeAt: nullable(time),
  protected: z.union([z.boolean(), z.literal("unknown")]).default("unknown"),
  createdAt: nullable(time),
  idleDays: nullable(z.number()),
  ageDays: nullable(z.number()),
  locked: z.boolean().default(false),
  lockedSince: nullable(time),
  taggedResources: z.number().default(0),
  owner: nullable(z.string()),
  cost: nullable(costSchema),
});

const planSchema = z.looseObject({
  stages: z.array(stageSchema),
  failures: z
    .array(
      z.looseObject({
        source: z.string(),
        account: z.string(),
        region: nullable(z.string()),
        message: z.string(),
      }),
    )
    .default([]),
  malformed: z
    .array(
      z.looseObject({ account: z.string(), region: z.string(), location: z.string(), problem: z.string() }),
    )
    .default([]),
  untagged: nullable(
    z.array(z.looseObject({ account: z.string(), yesterday: money, last7Days: money, monthToDate: money })),
  ),
  costTags: nullable(z.array(z.looseObject({ account: z.string(), tag: z.string(), message: z.string() }))),
});

const actionsSchema = z.looseObject({
  warned: z.array(z.string()).default([]),
  started: z.array(z.looseObject({ stage: z.string(), removalId: z.string() })).default([]),
  wouldRemove: z.array(z.string()).default([]),
  refused: z.array(z.looseObject({ stage: z.string(), reason: z.string() })).default([]),
});

export interface DayAmount {
  date: string;
  amount: Money;
}

export interface StageSpend {
  yesterday: Money;
  last7Days: Money;
  monthToDate: Money;
  forecast: Money;
  estimated: boolean;
  daily: DayAmount[];
}

export interface ReportStage extends StageKey {
  kind: string;
  decision: Decision;
  reason: string;
  removeAt?: Date;
  protected: boolean | "unknown";
  createdAt?: Date;
  idleDays?: number;
  ageDays?: number;
  locked: boolean;
  lockedSince?: Date;
  taggedResources: number;
  owner?: string;
  cost?: StageSpend;
}

export interface ParsedSnapshot {
  at: Date;
  dryRun: boolean;
  suspended?: string;
  stages: ReportStage[];
  failures: { source: string; account: string; region?: string; message: string }[];
  malformed: { account: string; region: string; location: string; problem: string }[];
  untagged: { account: string; yesterday: Money; last7Days: Money; monthToDate: Money }[];
  costTags: { account: string; tag: string; message: string }[];
  actions: z.infer<typeof actionsSchema>;
}

const date = (value: string | undefined) => (value === undefined ? undefined : new Date(value));

/** Reads a snapshot's plan and actions; throws with the first problem when the plan is not a plan. */
export function parseSnapshot(snapshot: RunSnapshot): ParsedSnapshot {
  const planResult = planSchema.safeParse(snapshot.plan);
  if (!planResult.success) {
    const issue = planResult.error.issues[0];
    throw new Error(`run snapshot ${snapshot.at}: plan.${issue?.path.join(".")}: ${issue?.message}`);
  }
  const plan = planResult.data;
  const actions = actionsSchema.parse(snapshot.actions ?? {});
  return {
    at: new Date(snapshot.at),
    dryRun: snapshot.dryRun,
    ...(snapshot.suspended ? { suspended: snapshot.suspended } : {}),
    stages: plan.stages.map(
      (s): ReportStage => ({
        account: s.account,
        region: s.region,
        app: s.app,
        stage: s.stage,
        kind: s.kind,
        decision: s.decision,
        reason: s.reason,
        removeAt: date(s.removeAt),
        protected: s.protected,
        createdAt: date(s.createdAt),
        idleDays: s.idleDays,
        ageDays: s.ageDays,
        locked: s.locked,
        lockedSince: date(s.lockedSince),
        taggedResources: s.taggedResources,
        owner: s.owner,
        cost: s.cost && {
          yesterday: parseMoney(s.cost.yesterday),
          last7Days: parseMoney(s.cost.last7Days),
          monthToDate: parseMoney(s.cost.monthToDate),
          forecast: parseMoney(s.cost.forecast),
          estimated: s.cost.estimated,
          daily: s.cost.daily.map((d) => ({ date: d.date, amount: parseMoney(d.amount) })),
        },
      }),
    ),
    failures: plan.failures,
    malformed: plan.malformed,
    untagged: (plan.untagged ?? []).map((u) => ({
      account: u.account,
      yesterday: parseMoney(u.yesterday),
      last7Days: parseMoney(u.last7Days),
      monthToDate: parseMoney(u.monthToDate),
    })),
    costTags: plan.costTags ?? [],
    actions,
  };
}
