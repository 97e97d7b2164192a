import { z } from "zod";
import type { CostRow } from "../cost/explorer.js";
import type { CostMemory } from "../cost/memory.js";
import type { RegionMemory } from "../inventory/memory.js";
import { moneyToString, parseMoney } from "../money/index.js";

/** The JSON of the survey's cache objects in the ledger (cache.ts), versioned; money as exact decimal strings. */
const VERSION = 2;
const time = z.iso.datetime({ offset: true });
const checkpointEntry = z.strictObject({
  etag: z.string(),
  live: z.boolean(),
  createdAt: time.optional(),
  deployedAt: time.optional(),
  protect: z.union([z.boolean(), z.literal("unknown")]),
  resourceCount: z.number().int().min(0),
  resourceTypes: z.record(z.string(), z.number().int().min(0)),
});
const updateEntry = z.strictObject({
  key: z.string(),
  etag: z.string(),
  command: z.string(),
  at: time,
  completed: z.boolean(),
  runId: z.string().optional(),
});
export const stateSchema = z.strictObject({
  version: z.literal(VERSION),
  bucket: z.string(),
  listedAt: time,
  checkpoints: z.record(z.string(), checkpointEntry),
  updates: z.record(z.string(), updateEntry),
  broken: z.record(z.string(), z.strictObject({ etag: z.string(), problem: z.string().max(2000) })),
  strays: z.record(z.string(), z.string().max(2000)),
});
/** A day's rows as [app, stage, amount]; app and stage "" for untagged spend. */
export const costSchema = z.strictObject({
  version: z.literal(VERSION),
  inactiveTags: z.array(z.string()),
  days: z.record(z.iso.date(), z.array(z.tuple([z.string(), z.string(), z.string()]))),
});

/** Both sides hold only final days, so either's figures for a day are right; ours win on a tag change. */
export function mergeCosts(current: unknown, ours: z.infer<typeof costSchema>): z.infer<typeof costSchema> {
  const parsed = costSchema.safeParse(current);
  if (!parsed.success || parsed.data.inactiveTags.join() !== ours.inactiveTags.join()) return ours;
  return { ...ours, days: { ...parsed.data.days, ...ours.days } };
}

export function stateToJson(memory: RegionMemory): z.infer<typeof stateSchema> {
  const checkpoints: z.infer<typeof stateSchema>["checkpoints"] = {};
  for (const [pair, { etag, facts }] of [...memory.checkpoints].sort(byKey)) {
    checkpoints[pair] = {
      etag,
      live: facts.live,
      ...(facts.createdAt ? { createdAt: facts.createdAt.toISOString() } : {}),
      ...(facts.deployedAt ? { deployedAt: facts.deployedAt.toISOString() } : {}),
      protect: facts.protect,
      resourceCount: facts.resourceCount,
      resourceTypes: facts.resourceTypes,
    };
  }
  const updates: z.infer<typeof stateSchema>["updates"] = {};
  for (const [pair, { key, etag, facts }] of [...memory.updates].sort(byKey)) {
    updates[pair] = {
      key,
      etag,
      command: facts.command,
      at: facts.at.toISOString(),
      completed: facts.completed,
      ...(facts.runId ? { runId: facts.runId } : {}),
    };
  }
  return {
    version: VERSION,
    bucket: memory.bucket,
    listedAt: memory.listedAt.toISOString(),
    checkpoints,
    updates,
    broken: Object.fromEntries([...memory.broken].sort(byKey)),
    strays: Object.fromEntries([...memory.strays].sort(byKey)),
  };
}

export function stateFromJson(value: z.infer<typeof stateSchema>): RegionMemory {
  const memory: RegionMemory = {
    bucket: value.bucket,
    listedAt: new Date(value.listedAt),
    checkpoints: new Map(),
    updates: new Map(),
    broken: new Map(Object.entries(value.broken)),
    strays: new Map(Object.entries(value.strays)),
  };
  for (const [pair, { etag, createdAt, deployedAt, ...facts }] of Object.entries(value.checkpoints)) {
    memory.checkpoints.set(pair, {
      etag,
      facts: {
        ...facts,
        ...(createdAt ? { createdAt: new Date(createdAt) } : {}),
        ...(deployedAt ? { deployedAt: new Date(deployedAt) } : {}),
      },
    });
  }
  for (const [pair, { key, etag, at, ...facts }] of Object.entries(value.updates)) {
    memory.updates.set(pair, { key, etag, facts: { ...facts, at: new Date(at) } });
  }
  return memory;
}

export function costToJson(memory: CostMemory): z.infer<typeof costSchema> {
  const days: z.infer<typeof costSchema>["days"] = {};
  for (const [date, rows] of [...memory.days].sort(byKey)) {
    days[date] = rows.map((row) => [row.app, row.stage, moneyToString(row.amount)]);
  }
  return { version: VERSION, inactiveTags: [...memory.inactiveTags].sort(), days };
}

export function costFromJson(value: z.infer<typeof costSchema>): CostMemory {
  const days = new Map<string, CostRow[]>();
  for (const [date, rows] of Object.entries(value.days)) {
    days.set(
      date,
      rows.map(([app, stage, amount]) => ({
        date,
        app,
        stage,
        amount: parseMoney(amount),
        estimated: false,
      })),
    );
  }
  return { inactiveTags: value.inactiveTags, days };
}

function byKey<T>(a: [string, T], b: [string, T]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}
