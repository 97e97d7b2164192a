// The fewest calls the APIs allow for one survey of an estate, worked out from the sandbox's own model of it
// (an in-process copy of the same seed, never the one being measured), independently of Stagekeeper's readers.
import { generateSeed, type Seed, startSandbox } from "../packages/sandbox/src/index.js";

export const TAGGING_PAGE = 100;
export const LIST_PAGE = 1000;
/** The sandbox's GetCostAndUsage page size in groups (DEFAULT_GROUPS_PER_PAGE). */
export const COST_PAGE = 500;

export interface Minimum {
  /** "service.Operation" → the fewest calls. */
  calls: Record<string, number>;
  /** Tagging pages per "account/region". */
  taggingPages: Record<string, number>;
  /** The longest run of list pages under one prefix, and of Cost Explorer pages in one account. */
  longestListing: number;
  longestCost: number;
  accounts: { id: string; regions: string[] }[];
  stateBytes: number;
}

const DAY = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export async function minimumFor(options: Parameters<typeof generateSeed>[0]): Promise<Minimum> {
  const seed: Seed = generateSeed(options);
  const sandbox = await startSandbox({ seed });
  try {
    const { estate } = sandbox;
    const calls: Record<string, number> = {};
    const add = (name: string, n: number) => {
      calls[name] = (calls[name] ?? 0) + n;
    };
    const taggingPages: Record<string, number> = {};
    let longestListing = 1;
    let longestCost = 1;
    let stateBytes = 0;
    const roles = seed.accounts.length - 1;
    add("sts.GetCallerIdentity", seed.accounts.length);
    add("sts.AssumeRole", roles);
    for (const account of seed.accounts) {
      for (const region of account.regions) {
        add("ssm.GetParameter", 1);
        // GetResources with TagFilters sst:app and sst:stage: the region's resources carrying both.
        let tagged = 0;
        for (const r of estate.accountResources(account.id).values())
          if (r.region === region && "sst:app" in r.tags && "sst:stage" in r.tags) tagged++;
        const pages = Math.max(1, Math.ceil(tagged / TAGGING_PAGE));
        taggingPages[`${account.id}/${region}`] = pages;
        add("tagging.GetResources", pages);
        const bucket = [...estate.buckets.values()].find(
          (b) => b.account === account.id && b.region === region && b.name.startsWith("sst-state-"),
        );
        if (!bucket) continue;
        const keys = [...bucket.objects.keys()];
        for (const prefix of ["app/", "update/", "lock/"]) {
          const n = keys.filter((k) => k.startsWith(prefix)).length;
          const listPages = Math.max(1, Math.ceil(n / LIST_PAGE));
          longestListing = Math.max(longestListing, listPages);
          add("s3.ListObjectsV2", listPages);
        }
        // One GET per checkpoint, per stage's newest update record, per lock.
        const stages = new Set<string>();
        for (const key of keys) {
          const match = /^update\/([^/]+\/[^/]+)\//.exec(key);
          if (match?.[1]) stages.add(match[1]);
        }
        const gets = keys.filter((k) => k.startsWith("app/") || k.startsWith("lock/"));
        add("s3.GetObject", gets.length + stages.size);
        for (const key of gets) stateBytes += bucket.objects.get(key)?.body.length ?? 0;
      }
      // Cost Explorer: one grouped series per account over the month so far and the last 7 days.
      const today = Date.parse(`${day(estate.clock.now().getTime())}T00:00:00Z`);
      const from = Math.min(today - 7 * DAY, Date.parse(`${day(today).slice(0, 8)}01T00:00:00Z`));
      let groups = 0;
      for (let d = from; d < today; d += DAY) {
        for (const stream of estate.costs.values())
          if (stream.account === account.id && estate.costOn(stream, day(d)) !== 0n) groups++;
        if ((estate.accounts.get(account.id)?.untaggedDaily ?? 0n) !== 0n) groups++;
      }
      const costPages = Math.max(1, Math.ceil(groups / COST_PAGE));
      longestCost = Math.max(longestCost, costPages);
      add("cost-explorer.GetCostAndUsage", costPages);
      add("cost-explorer.ListCostAllocationTags", 1);
      add("cost-explorer.GetCostForecast", 1);
    }
    return {
      calls,
      taggingPages,
      longestListing,
      longestCost,
      accounts: seed.accounts.map((a) => ({ id: a.id, regions: a.regions })),
      stateBytes,
    };
  } finally {
    await sandbox.close();
  }
}
