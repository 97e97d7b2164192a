import { z } from "zod";
import { type Money, parseMoney } from "../money/index.js";
import { DECISIONS, type Decision } from "../policy/index.js";
import { ACCOUNT_ID, isValidAppName, isValidStageName, REGION, type StageKey } from "../stage/key.js";
import type { RunSnapshot } from "./runs.js";

/**
 * A run snapshot's plan (planToJson's shape, docs/plan-schema.md) read back with exact money: the one reader
 * for the report, Slack and the GitHub notes. Snapshots are our own writing, but they outlive code versions:
 * a field that a newer or older version left out reads as unknown, and each stage is read on its own, so one
 * unreadable stage is listed in `problems` and left out rather than losing the rest. Callers choose: the
 * report refuses a snapshot with problems, Slack answers from the stages it could read.
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

/** The totals without the daily series, which is most of a snapshot: for readers that show only totals. */
const totalsSchema = costSchema.extend({
  daily: z
    .unknown()
    .optional()
    .transform((): { date: string; amount: string }[] => []),
});

/** Names are checked against SST's patterns here too: a snapshot's names reach Slack and the dashboard. */
const stageFields = {
  account: z.string().regex(ACCOUNT_ID),
  region: z.string().regex(REGION),
  app: z.string().refine(isValidAppName, "not an SST app name"),
  stage: z.string().refine(isValidStageName, "not an SST stage name"),
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
};
const stageSchema = z.looseObject({ ...stageFields, cost: nullable(costSchema) });
const stageTotalsSchema = z.looseObject({ ...stageFields, cost: nullable(totalsSchema) });

const failureSchema = z.looseObject({
  source: z.string(),
  account: z.string(),
  region: nullable(z.string()),
  message: z.string(),
});
const malformedSchema = z.looseObject({
  account: z.string(),
  region: z.string(),
  location: z.string(),
  problem: z.string(),
});
const untaggedSchema = z.looseObject({
  account: z.string(),
  yesterday: money,
  last7Days: money,
  monthToDate: money,
});
const costTagSchema = z.looseObject({ account: z.string(), tag: z.string(), message: z.string() });

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

/** One stage as the run saw and decided it. */
export interface RunStage extends StageKey {
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

export interface RunFailure {
  source: string;
  account: string;
  region?: string;
  message: string;
}

export interface ParsedRun {
  at: Date;
  dryRun: boolean;
  suspended?: string;
  stages: RunStage[];
  failures: RunFailure[];
  malformed: { account: string; region: string; location: string; problem: string }[];
  untagged: { account: string; yesterday: Money; last7Days: Money; monthToDate: Money }[];
  costTags: { account: string; tag: string; message: string }[];
  actions: z.infer<typeof actionsSchema>;
  /** What could not be read, as `plan.stages.3.decision: …`; the parts they name are left out. */
  problems: string[];
}

const date = (value: string | undefined) => (value === undefined ? undefined : new Date(value));

/**
 * Reads a snapshot's plan and actions; never throws for what is inside them (see `problems`). With
 * `{ daily: false }` each stage's daily series is skipped (left empty): a quarter of the time for thousands of
 * stages, for Slack's answers and the GitHub notes, which show only totals.
 */
export function parseRun(snapshot: RunSnapshot, options: { daily?: boolean } = {}): ParsedRun {
  const problems: string[] = [];
  const read = <T extends z.ZodType, F>(schema: T, value: unknown, where: string, fallback: F) => {
    const result = schema.safeParse(value);
    if (result.success) return result.data as z.output<T>;
    const issue = result.error.issues[0];
    problems.push([where, ...(issue?.path ?? [])].join(".").concat(`: ${issue?.message}`));
    return fallback;
  };
  const plan = snapshot.plan;
  const stages = plan.stages.flatMap((raw, i) => {
    const schema = options.daily === false ? stageTotalsSchema : stageSchema;
    const stage = read(schema, raw, `plan.stages.${i}`, undefined);
    return stage ? [toRunStage(stage)] : [];
  });
  return {
    at: new Date(snapshot.at),
    dryRun: snapshot.dryRun,
    ...(snapshot.suspended ? { suspended: snapshot.suspended } : {}),
    stages,
    failures: read(z.array(failureSchema).default([]), plan.failures, "plan.failures", []),
    malformed: read(z.array(malformedSchema).default([]), plan.malformed, "plan.malformed", []),
    untagged: (read(nullable(z.array(untaggedSchema)), plan.untagged, "plan.untagged", []) ?? []).map(
      (u) => ({
        account: u.account,
        yesterday: parseMoney(u.yesterday),
        last7Days: parseMoney(u.last7Days),
        monthToDate: parseMoney(u.monthToDate),
      }),
    ),
    costTags: read(nullable(z.array(costTagSchema)), plan.costTags, "plan.costTags", []) ?? [],
    actions: read(actionsSchema, snapshot.actions ?? {}, "actions", actionsSchema.parse({})),
    problems,
  };
}

function toRunStage(s: z.output<typeof stageSchema>): RunStage {
  return {
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
  };
}

/** The whole snapshot or an error naming its first problem: for readers that must not show part of a run. */
export function parseWholeRun(snapshot: RunSnapshot): ParsedRun {
  const run = parseRun(snapshot);
  if (run.problems.length > 0) throw new Error(`run snapshot ${snapshot.at}: ${run.problems[0]}`);
  return run;
}
