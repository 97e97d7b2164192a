import { type AccountTarget, resolveAccounts } from "../aws/accounts.js";
import type { Config } from "../config/index.js";
import { type CostStats, costKey, readCosts } from "../cost/index.js";
import { takeInventory } from "../inventory/index.js";
import type { RegionMemory, ScanStats } from "../inventory/memory.js";
import { loadSurveyCache, saveCostMemory, saveRegionMemory } from "../ledger/cache.js";
import type { LedgerStore } from "../ledger/store.js";
import type { CostTagWarning, DecideInput, UntaggedCost } from "../plan/index.js";
import type { SourceFailure, StageCost } from "../stage/facts.js";
import { stageId } from "../stage/key.js";

/** The facts a plan is made of, everything but the config and the clock. */
export type Survey = Omit<DecideInput, "config" | "now"> & {
  targets: AccountTarget[];
  /** How the facts were obtained: files read or remembered, Cost Explorer pages and days. */
  stats: { state: ScanStats; cost: CostStats };
};

export interface SurveyOptions {
  now: Date;
  /** Where STS is asked and where a config without accounts looks. */
  homeRegion: string;
  progress?: (message: string) => void;
  /**
   * Stagekeeper's ledger, to remember what unchanged state files and final cost days said, so that the next
   * run reads only what changed. Without it every file and day is read.
   */
  cache?: LedgerStore;
}

/** Reads every configured account: SST state, tags and costs, in parallel. */
export async function survey(config: Config, options: SurveyOptions): Promise<Survey> {
  const resolved = await resolveAccounts(config.accounts, options.homeRegion);
  const targets: AccountTarget[] = [];
  const failures: SourceFailure[] = [];
  for (const r of resolved) {
    if (r.ok) targets.push(r.target);
    else
      failures.push({
        source: "state",
        account: r.account,
        message: `cannot act in the account: ${r.message}`,
      });
  }
  // The Tagging walk, the longest chain, starts at once; state reads and cost days wait for the memory.
  const store = options.cache;
  const loading = store ? loadSurveyCache(store, targets) : undefined;
  const saves: Promise<string | undefined>[] = [];
  const [inventory, costs] = await Promise.all([
    takeInventory(targets, {
      concurrency: config.concurrency,
      now: options.now,
      ...(options.progress ? { progress: options.progress } : {}),
      ...(store && loading
        ? {
            memory: loading.then((cache) => cache.state),
            // Each region's memory is written as soon as it is read, while the Tagging walk goes on.
            learned: (where: { account: string; region: string }, memory: RegionMemory) =>
              saves.push(loading.then((cache) => saveRegionMemory(store, cache, where, memory))),
          }
        : {}),
    }),
    readCosts(targets, options.now, loading ? { memory: loading.then((cache) => cache.costs) } : {}).then(
      (costs) => {
        options.progress?.(
          `costs: ${costs.stats.pages} Cost Explorer pages, ${costs.stats.daysAsked} days asked`,
        );
        if (store && loading) {
          for (const [account, memory] of costs.memory)
            saves.push(loading.then((cache) => saveCostMemory(store, cache, account, memory)));
        }
        return costs;
      },
    ),
  ]);
  // The cache only spares reads: a problem with it costs requests, never facts.
  const problems = [...((await loading)?.problems ?? []), ...(await Promise.all(saves))];
  for (const problem of problems) if (problem) options.progress?.(`cache: ${problem}`);
  // Cost Explorer groups by tags, not regions: a name in two regions of one account is priced once.
  const byId = new Map<string, StageCost>();
  const priced = new Set<string>();
  for (const stage of [...inventory.stages].sort((a, b) => a.region.localeCompare(b.region))) {
    const key = costKey(stage.account, stage.app, stage.stage);
    const cost = costs.byStage.get(key);
    if (cost && !priced.has(key)) {
      byId.set(stageId(stage), cost);
      priced.add(key);
    }
  }
  const untagged: UntaggedCost[] = costs.accounts.map((a) => ({
    account: a.account,
    yesterday: a.untagged.yesterday,
    last7Days: a.untagged.last7Days,
    monthToDate: a.untagged.monthToDate,
  }));
  const costTags: CostTagWarning[] = costs.accounts.flatMap((a) =>
    a.inactiveTags.map((tag) => ({
      account: a.account,
      tag,
      message:
        `${tag} is not an active cost allocation tag in ${a.account}, so its costs show as untagged. ` +
        `Activate it from the management account: aws ce update-cost-allocation-tags-status ` +
        `--cost-allocation-tags-status TagKey=${tag},Status=Active (it takes up to 24 hours).`,
    })),
  );
  return {
    targets,
    facts: inventory.stages,
    orphans: inventory.orphans,
    costs: byId,
    costFailure: costs.failures.length > 0 && costs.accounts.length === 0,
    failures: [...failures, ...inventory.failures, ...costs.failures],
    malformed: inventory.malformed,
    untagged,
    costTags,
    stats: { state: inventory.stats, cost: costs.stats },
  };
}
