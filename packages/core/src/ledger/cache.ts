import { z } from "zod";
import type { AccountTarget } from "../aws/accounts.js";
import { describeError } from "../aws/clients.js";
import type { CostRow } from "../cost/explorer.js";
import type { CostMemory } from "../cost/memory.js";
import type { RegionMemory } from "../inventory/memory.js";
import { moneyToString, parseMoney } from "../money/index.js";
import type { LedgerStore } from "./store.js";

/*
 * The survey's memory, kept in the ledger between runs: per account and region, the facts each state file said
 * at the ETag it was read at; per account, the days Cost Explorer has made final. Both only spare reads: an
 * entry is used when the file's ETag (or the day) matches, so a stale or lost cache costs requests, never
 * correctness, and the safety gate never looks at it.
 */

const VERSION = 1;
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
  runId: z.string().optional(),
});
const stateSchema = z.strictObject({
  version: z.literal(VERSION),
  bucket: z.string(),
  checkpoints: z.record(z.string(), checkpointEntry),
  updates: z.record(z.string(), updateEntry),
  broken: z.record(z.string(), z.strictObject({ etag: z.string(), problem: z.string().max(2000) })),
});
/** A day's rows as [app, stage, amount]; app and stage "" for untagged spend. */
const costSchema = z.strictObject({
  version: z.literal(VERSION),
  inactiveTags: z.array(z.string()),
  days: z.record(z.iso.date(), z.array(z.tuple([z.string(), z.string(), z.string()]))),
});

export function stateCacheKey(account: string, region: string): string {
  return `cache/state/${account}/${region}.json`;
}

export function costCacheKey(account: string): string {
  return `cache/costs/${account}.json`;
}

/** What the survey remembers, as read from the ledger, with what each object held (to skip unchanged writes). */
export interface SurveyCache {
  /** By `account/region`. */
  state: Map<string, RegionMemory>;
  /** By account. */
  costs: Map<string, CostMemory>;
  read: Map<string, { etag: string; text: string }>;
  /** Objects that could not be read or written: the run goes on without them. */
  problems: string[];
}

export async function loadSurveyCache(store: LedgerStore, targets: AccountTarget[]): Promise<SurveyCache> {
  const cache: SurveyCache = { state: new Map(), costs: new Map(), read: new Map(), problems: [] };
  const load = async <T>(key: string, schema: z.ZodType<T>, use: (value: T) => void) => {
    try {
      const found = await store.get(key, z.unknown());
      if (!found) return;
      cache.read.set(key, { etag: found.etag, text: JSON.stringify(found.value) });
      const parsed = schema.safeParse(found.value);
      if (parsed.success) use(parsed.data);
      else cache.problems.push(`${key}: not a cache object of this version; it will be replaced`);
    } catch (error) {
      cache.problems.push(`${key}: ${describeError(error)}`);
    }
  };
  await Promise.all(
    targets.flatMap((target) => [
      load(costCacheKey(target.account), costSchema, (value) =>
        cache.costs.set(target.account, costFromJson(value)),
      ),
      ...target.regions.map((region) =>
        load(stateCacheKey(target.account, region), stateSchema, (value) =>
          cache.state.set(`${target.account}/${region}`, stateFromJson(value)),
        ),
      ),
    ]),
  );
  return cache;
}

/**
 * Writes what this run learned about one region's state files, conditionally on the version it read; a lost
 * race re-reads and writes ours (every entry of either is valid). Unchanged content is not written. Returns
 * the problem met, if any: none fails the run.
 */
export function saveRegionMemory(
  store: LedgerStore,
  loaded: SurveyCache,
  where: { account: string; region: string },
  memory: RegionMemory,
): Promise<string | undefined> {
  const value = stateToJson(memory);
  return save(store, loaded, stateCacheKey(where.account, where.region), value, () => value);
}

/** Writes one account's final cost days, likewise; a lost race merges the days of both writers. */
export function saveCostMemory(
  store: LedgerStore,
  loaded: SurveyCache,
  account: string,
  memory: CostMemory,
): Promise<string | undefined> {
  const value = costToJson(memory);
  return save(store, loaded, costCacheKey(account), value, (current) => mergeCosts(current, value));
}

async function save(
  store: LedgerStore,
  loaded: SurveyCache,
  key: string,
  value: unknown,
  merge: (current: unknown) => unknown,
): Promise<string | undefined> {
  const before = loaded.read.get(key);
  if (before?.text === JSON.stringify(value)) return undefined;
  try {
    if ((await store.put(key, value, before?.etag)) !== false) return undefined;
    await store.update(key, z.unknown(), merge);
    return undefined;
  } catch (error) {
    return `${key}: ${describeError(error)}`;
  }
}

/** Both sides hold only final days, so either's figures for a day are right; ours win on a tag change. */
function mergeCosts(current: unknown, ours: z.infer<typeof costSchema>): z.infer<typeof costSchema> {
  const parsed = costSchema.safeParse(current);
  if (!parsed.success || parsed.data.inactiveTags.join() !== ours.inactiveTags.join()) return ours;
  return { ...ours, days: { ...parsed.data.days, ...ours.days } };
}

function stateToJson(memory: RegionMemory): z.infer<typeof stateSchema> {
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
      ...(facts.runId ? { runId: facts.runId } : {}),
    };
  }
  const broken = Object.fromEntries([...memory.broken].sort(byKey));
  return { version: VERSION, bucket: memory.bucket, checkpoints, updates, broken };
}

function stateFromJson(value: z.infer<typeof stateSchema>): RegionMemory {
  const memory: RegionMemory = {
    bucket: value.bucket,
    checkpoints: new Map(),
    updates: new Map(),
    broken: new Map(Object.entries(value.broken)),
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

function costToJson(memory: CostMemory): z.infer<typeof costSchema> {
  const days: z.infer<typeof costSchema>["days"] = {};
  for (const [date, rows] of [...memory.days].sort(byKey)) {
    days[date] = rows.map((row) => [row.app, row.stage, moneyToString(row.amount)]);
  }
  return { version: VERSION, inactiveTags: [...memory.inactiveTags].sort(), days };
}

function costFromJson(value: z.infer<typeof costSchema>): CostMemory {
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
