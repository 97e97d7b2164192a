import { z } from "zod";
import type { AccountTarget } from "../aws/accounts.js";
import { describeError } from "../aws/clients.js";
import type { CostMemory } from "../cost/memory.js";
import type { RegionMemory } from "../inventory/memory.js";
import {
  costFromJson,
  costSchema,
  costToJson,
  mergeCosts,
  stateFromJson,
  stateSchema,
  stateToJson,
} from "./cache-format.js";
import type { LedgerStore } from "./store.js";

/*
 * The survey's memory, kept in the ledger between runs: per account and region, the facts each state file said
 * at the ETag it was read at; per account, the days Cost Explorer has made final. Both only spare reads: an
 * entry is used when the file's ETag (or the day) matches, so a stale or lost cache costs requests, never
 * correctness, and the safety gate never looks at it.
 */

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
