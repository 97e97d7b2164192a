import type { AccountTarget } from "../aws/accounts.js";
import { describeError, s3Client, ssmClient, taggingClient } from "../aws/clients.js";
import { QuotaPacer, responsiveGate } from "../aws/pace.js";
import type { Malformed, SourceFailure, StageFacts } from "../stage/facts.js";
import type { StageKey } from "../stage/key.js";
import { pairKey } from "./keys.js";
import { addStats, emptyStats, type RegionMemory, type ScanStats } from "./memory.js";
import { type RegionScan, scanRegion } from "./region.js";
import { countTagged, type TagCounts } from "./tagging.js";

export type { RegionMemory, ScanStats } from "./memory.js";

export interface Orphan extends StageKey {
  taggedResources: number;
}

export interface Inventory {
  stages: StageFacts[];
  /** Tagged resources of stages that have no state at all. */
  orphans: Orphan[];
  failures: SourceFailure[];
  malformed: Malformed[];
  /** What each completely read region's state files said, by `memoryKey(account, region)`. */
  memory: Map<string, RegionMemory>;
  stats: ScanStats;
}

export interface InventoryOptions {
  /** Reads in flight at once, across every account and region. */
  concurrency: number;
  /** When memory's full listings expire (`FULL_LISTING_MS`). */
  now: Date;
  /** The Tagging API's GetResources quota per account and region. */
  taggingPerSecond?: number;
  progress?: (message: string) => void;
  /** What earlier scans learned, by `memoryKey(account, region)`: unchanged files are not read again. */
  memory?: PromiseLike<ReadonlyMap<string, RegionMemory>>;
  /** Told what a region's state said as soon as the region is read completely (the Tagging walk goes on). */
  learned?: (where: { account: string; region: string }, memory: RegionMemory) => void;
}

export function memoryKey(account: string, region: string): string {
  return `${account}/${region}`;
}

/**
 * State-bucket listings in flight at once. A page of 1,000 keys is the heaviest answer to parse (about 250 KB
 * of XML, a tenth of a second while the process is cold); several at once hold up the Tagging walk's pages.
 */
const LISTINGS_AT_ONCE = 2;

/** Global resources (CloudFront, ...) are only returned by us-east-1's Tagging endpoint. */
const GLOBAL_REGION = "us-east-1";

/** Every SST stage in the given accounts and regions, with its tagged resources and what could not be read. */
export async function takeInventory(
  accounts: AccountTarget[],
  options: InventoryOptions,
): Promise<Inventory> {
  const gates = { reads: responsiveGate(options.concurrency), listings: responsiveGate(LISTINGS_AT_ONCE) };
  const inventory: Inventory = {
    stages: [],
    orphans: [],
    failures: [],
    malformed: [],
    memory: new Map(),
    stats: emptyStats(),
  };
  await Promise.all(
    accounts.map(async (target) => {
      const tagRegions = [...new Set([...target.regions, GLOBAL_REGION])];
      const [scans, tags] = await Promise.all([
        Promise.all(
          target.regions.map(async (region) => {
            const previous = (await options.memory)?.get(memoryKey(target.account, region));
            const scan = await scanOne(target, region, gates, { now: options.now, previous });
            if (scan.memory) options.learned?.({ account: target.account, region }, scan.memory);
            const { checkpointsRead: read, checkpointsRemembered: same } = scan.stats;
            options.progress?.(`state of ${target.account}/${region}: ${read} read, ${same} unchanged`);
            return scan;
          }),
        ),
        Promise.all(
          tagRegions.map(async (region) => {
            const tags = await tagOne(target, region, options.taggingPerSecond ?? 15);
            options.progress?.(
              `tags of ${target.account}/${region}${tags instanceof Error ? ": failed" : ""}`,
            );
            return tags;
          }),
        ),
      ]);
      options.progress?.(
        `account ${target.account}: ${scans.reduce((n, s) => n + s.stages.length, 0)} stages`,
      );
      merge(inventory, target.account, target.regions, scans, tagRegions, tags);
    }),
  );
  return inventory;
}

async function scanOne(
  target: AccountTarget,
  region: string,
  gates: Parameters<typeof scanRegion>[1],
  options: Parameters<typeof scanRegion>[2],
): Promise<RegionScan> {
  const at = { region, ...(target.credentials ? { credentials: target.credentials } : {}) };
  const clientsAt = { account: target.account, region, s3: s3Client(at), ssm: ssmClient(at) };
  return scanRegion(clientsAt, gates, options);
}

async function tagOne(target: AccountTarget, region: string, perSecond: number): Promise<TagCounts | Error> {
  const at = { region, ...(target.credentials ? { credentials: target.credentials } : {}) };
  try {
    return await countTagged(taggingClient(at), new QuotaPacer(perSecond));
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

function merge(
  inventory: Inventory,
  account: string,
  regions: string[],
  scans: RegionScan[],
  tagRegions: string[],
  tags: (TagCounts | Error)[],
): void {
  const known = new Set<string>();
  scans.forEach((scan, i) => {
    const region = regions[i];
    if (scan.memory && region) inventory.memory.set(memoryKey(account, region), scan.memory);
    addStats(inventory.stats, scan.stats);
    inventory.failures.push(...scan.failures);
    inventory.malformed.push(...scan.malformed);
    for (const pair of scan.known) known.add(pair);
  });
  const byRegion = new Map<string, TagCounts>();
  const global = new Map<string, number>();
  tags.forEach((result, i) => {
    const region = tagRegions[i] ?? GLOBAL_REGION;
    if (result instanceof Error) {
      inventory.failures.push({ source: "tagging", account, region, message: describeError(result) });
      return;
    }
    byRegion.set(region, result);
    for (const [pair, n] of result.global) global.set(pair, (global.get(pair) ?? 0) + n);
    if (result.malformed > 0) {
      inventory.malformed.push({
        account,
        region,
        location: "Tagging API",
        problem: `${result.malformed} resources carry sst:app/sst:stage values SST could not have written`,
      });
    }
  });
  const globalClaimed = new Set<string>();
  for (const scan of scans) {
    for (const stage of scan.stages) {
      const pair = pairKey(stage.app, stage.stage);
      stage.taggedResources = byRegion.get(stage.region)?.counts.get(pair) ?? 0;
      // A global resource belongs to one stage of that name; the first region listed gets it.
      if (!globalClaimed.has(pair)) {
        stage.taggedResources += global.get(pair) ?? 0;
        globalClaimed.add(pair);
      }
      inventory.stages.push(stage);
    }
  }
  for (const [region, counts] of byRegion) {
    const seen = new Map(counts.counts);
    if (region === GLOBAL_REGION) for (const [pair, n] of global) seen.set(pair, (seen.get(pair) ?? 0) + n);
    for (const [pair, taggedResources] of seen) {
      if (known.has(pair)) continue;
      const [app = "", stage = ""] = pair.split("/");
      inventory.orphans.push({ account, region, app, stage, taggedResources });
    }
  }
}
