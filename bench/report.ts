// Figures → the Markdown of BENCHMARKS.md's "Plan" and "Steady state" sections.
import type { Machine } from "./machine.js";
import type { Minimum } from "./minimum.js";
import { LAUNCHER_FLAGS, type PlanRun } from "./run.js";

export interface Scenario {
  stages: number;
  minimum: Minimum;
  /** The median of the cold runs (by wall time), with the largest peak RSS of them all. */
  cold: PlanRun;
  coldRuns: number[];
  /** The cold plan again, with V8's defaults rather than the launcher's node flags. */
  defaults: PlanRun;
  first?: PlanRun;
  steady?: PlanRun;
  latencyMs: number;
  perSecond: number;
}

const total = (calls: Record<string, number>) => Object.values(calls).reduce((n, c) => n + c, 0);
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (bytes: number) =>
  bytes < 100_000 ? `${(bytes / 1000).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(2)} MB`;

/** max(pages ÷ rate limit, longest chain of sequential requests × latency), per the issue. */
export function bound(scenario: Scenario): { ms: number; rateMs: number; chain: number } {
  const pages = Math.max(...Object.values(scenario.minimum.taggingPages));
  const { longestListing, longestCost } = scenario.minimum;
  // STS (AssumeRole, then GetCallerIdentity) before any read; then the longest of: the Tagging walk, SSM →
  // the longest listing → a GET, and the Cost Explorer walk.
  const chain = 2 + Math.max(pages, 1 + longestListing + 1, longestCost);
  const rateMs = (pages / scenario.perSecond) * 1000;
  return { ms: Math.max(rateMs, chain * scenario.latencyMs), rateMs, chain };
}

export function planSection(
  scenarios: Scenario[],
  meta?: { before: Machine; after: Machine; command: string },
) {
  const lines: string[] = [];
  if (meta) {
    const m = meta.before;
    lines.push(
      `Command: \`${meta.command}\` (bench/index.ts). Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGb} GB, Node ${m.node};`,
      `load average ${m.load} before and ${meta.after.load} after (other work shares the machine: wall times vary with it).`,
      "Sandbox in its own process (`stagekeeper sandbox --json --generate N --seed-number 7 --resources 100000",
      "--days 90 --latency 50`), Tagging GetResources limited to 15 requests/s per account and region. The plan runs",
      "in its own process (bench/plan.ts: load config, survey, decide, print the JSON, as `stagekeeper plan --json`),",
      `with the node flags of the CLI's launcher (\`${LAUNCHER_FLAGS.join(" ")}\`), cold (nothing cached), several`,
      "times: the median run is shown, with the largest peak RSS of all runs.",
      "",
    );
  }
  const head = ["", ...scenarios.map((x) => `${x.stages.toLocaleString("en")} stages`)];
  const row = (name: string, cell: (x: Scenario) => string) =>
    `| ${name} | ${scenarios.map(cell).join(" | ")} |`;
  lines.push(`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`);
  lines.push(
    row("Wall time of the plan (in process), median", (x) => `**${s(x.cold.planMs)}**`),
    row("… every run", (x) => x.coldRuns.map(s).join(", ")),
    row("Bound: max(pages ÷ 15/s, chain × 50 ms)", (x) => {
      const b = bound(x);
      return `${s(b.ms)} (${s(b.rateMs)}; ${b.chain} × 50 ms)`;
    }),
    row("Wall time ÷ bound (target ≤ 1.15)", (x) => `**${(x.cold.planMs / bound(x).ms).toFixed(2)}**`),
    row("Process wall time, Node start-up included", (x) => s(x.cold.processMs)),
    row(
      "Peak RSS of the Stagekeeper process, largest run (target ≤ 256 MB)",
      (x) => `**${x.cold.maxRssMb} MB**`,
    ),
    row(
      "… with V8's defaults instead (heap limit from the machine's memory)",
      (x) => `${x.defaults.maxRssMb} MB (plan ${s(x.defaults.planMs)})`,
    ),
    row("CPU time of the process", (x) => s(x.cold.cpuMs)),
    row("Stages planned", (x) => String(x.cold.stages)),
    row("State files read (bytes)", (x) => mb(x.cold.stats.state.bytesRead)),
  );
  const ops = [
    ...new Set(scenarios.flatMap((x) => [...Object.keys(x.minimum.calls), ...Object.keys(x.cold.calls)])),
  ];
  lines.push("", "Calls per operation, made / the minimum the APIs allow:", "");
  lines.push(
    `| Operation | ${head.slice(1).join(" | ")} |`,
    `|---|${head
      .slice(1)
      .map(() => "---")
      .join("|")}|`,
  );
  for (const op of ops.sort()) {
    lines.push(
      row(`\`${op}\``, (x) => {
        const made = x.cold.calls[op] ?? 0;
        const min = x.minimum.calls[op] ?? 0;
        return made === min ? `${made} / ${min}` : `**${made} / ${min}**`;
      }),
    );
  }
  lines.push(
    "",
    "Minimums, from the sandbox's model of the same seed (bench/minimum.ts): ⌈resources ÷ 100⌉ Tagging pages per",
    "account and region (at least one), ⌈keys ÷ 1,000⌉ list pages per prefix (`app/`, `update/`, `lock/`), one GET per",
    "checkpoint, per stage's newest update record and per lock, ⌈groups ÷ 500⌉ GetCostAndUsage pages per account",
    "(the sandbox's page size) over the month so far and the last 7 days, one ListCostAllocationTags and one",
    "GetCostForecast per account, one GetParameter per account and region, GetCallerIdentity per account and",
    "AssumeRole per role.",
    "",
    "Where the time goes. The long pole is the Tagging walk of the largest account and region: its pages are",
    "chained (each needs the previous token) and paced so that no call is ever throttled (a throttled call is an",
    "extra call and a backoff): a call waits until a second after the *answer* to the call 15 before it, which costs",
    "one round trip per 15 pages (the proof that call 15 before has reached the service), 5.4 % over pages ÷ 15/s",
    "at this latency: the walk of the largest region alone, with no other call, took 20.4 s (1.06 × the bound). A",
    "walk limited by its quota never makes up a delay, and the process is busiest in its first seconds, while its",
    "code is not yet optimised and every source starts at once: nine Tagging walks, Cost Explorer, the listings",
    "and the first state files. There the walk's round trips were 100 ms instead of 55, which is what separates",
    "the plan from the walk alone. So the rest yields to the walks: Cost Explorer pages are read one at a time,",
    "100 ms apart (they are needed only at the end; read at once they cost the walk about 0.5 s), read slots open",
    "one per 100 ms (about 0.4 s), at most two listings are in flight (a page of 1,000 keys is 250 KB of XML),",
    "and state reads are spaced while the event loop is more than 75 % busy. CPU is the other limit:",
    ...scenarios.map(
      (x) =>
        `at ${x.stages.toLocaleString("en")} stages the process used ${s(x.cold.cpuMs)} of CPU for ${total(x.cold.calls)} requests and ${mb(x.cold.stats.state.bytesRead)} of state (${(x.cold.cpuMs / Math.max(1, total(x.cold.calls))).toFixed(1)} ms a request, start-up and parsing included);`,
    ),
    "the state reads finish long before the walk does.",
    "",
    "Memory. The live heap is small: 42 MB at 2,000 stages, 9 s into the plan (a heap snapshot, which collects",
    "first). V8 sizes its heap and how often it collects by the heap limit, which by default comes from the",
    "machine's memory (4,144 MB on this 24 GB machine): the heap then holds much garbage, and response bodies",
    "wait longer to be freed. The CLI's launcher sets the limit to the memory the daily Lambda has (1,024 MB), far",
    "above what the plan needs. V8 then collects more often, which costs the plan time: compare the two rows above.",
  );
  return lines.join("\n");
}

/** The share of state bytes on the day of the weekly full listing: the unchanged day plus the `app/` listing. */
function weekly(x: Scenario): string {
  if (!x.steady) return "?";
  const listing = (r: PlanRun) => r.bytes["s3.ListObjectsV2"] ?? 0;
  const appListing = listing(x.cold) - listing(x.steady);
  const day = x.steady.stats.state.bytesRead + listing(x.steady) + appListing;
  return `${((100 * day) / (x.cold.stats.state.bytesRead + listing(x.cold))).toFixed(2)} %`;
}

export function steadySection(scenarios: Scenario[]): string {
  const x = scenarios.find((c) => c.first && c.steady);
  if (!x?.first || !x.steady) return "_Not measured in this run (needs the 2,000-stage estate)._";
  const runs = [x.cold, x.steady];
  const ce = (r: PlanRun) =>
    Object.entries(r.calls)
      .filter(([op]) => op.startsWith("cost-explorer."))
      .reduce((n, [, c]) => n + c, 0);
  const listing = (r: PlanRun) => r.bytes["s3.ListObjectsV2"] ?? 0;
  const files = (r: PlanRun) => r.stats.state.bytesRead;
  const ledger = (r: PlanRun) => (r.bytes["s3.GetObject"] ?? 0) - r.stats.state.bytesRead;
  const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(a / b < 0.001 ? 3 : 2)} %`;
  const row = (name: string, cell: (r: PlanRun) => string) => `| ${name} | ${runs.map(cell).join(" | ")} |`;
  return [
    `${x.stages.toLocaleString("en")} stages, the same sandbox and settings as above. The first run is the cold plan;`,
    "a run then fills the cache in the ledger (`survey(config, {cache: ledger})`); the clock moves one day and",
    "the next run meets the same estate. Cost Explorer data: a day is Estimated until it is 3 days old.",
    "",
    "| | First run (no cache) | Next day, unchanged (cache) |",
    "|---|---|---|",
    row("Cost Explorer requests (all operations)", (r) => `**${ce(r)}**`),
    row("GetCostAndUsage pages", (r) => String(r.calls["cost-explorer.GetCostAndUsage"] ?? 0)),
    row(
      "Days asked / taken from the cache (all accounts)",
      (r) => `${r.stats.cost.daysAsked} / ${r.stats.cost.daysRemembered}`,
    ),
    row(
      "Checkpoints downloaded / remembered (of which confirmed by a 304)",
      (r) =>
        `${r.stats.state.checkpointsRead} / ${r.stats.state.checkpointsRemembered} (${r.stats.state.checkpointsConfirmed})`,
    ),
    row("State files downloaded (bytes)", (r) => mb(files(r))),
    row("… as a share of the first run's", (r) => pct(files(r), files(x.cold))),
    row("State-bucket listings (bytes)", (r) => mb(listing(r))),
    row("State bytes read in all (files + listings)", (r) => `**${mb(files(r) + listing(r))}**`),
    row(
      "… as a share of the first run's",
      (r) => `**${pct(files(r) + listing(r), files(x.cold) + listing(x.cold))}**`,
    ),
    row("Cache objects read from the ledger (bytes)", (r) => mb(ledger(r))),
    row("Wall time of the plan", (r) => s(r.planMs)),
    row("Peak RSS", (r) => `${r.maxRssMb} MB`),
    "",
    `Filling the cache (the run after the first): ${s(x.first.planMs)}, ${x.first.maxRssMb} MB peak RSS,`,
    `${ce(x.first)} Cost Explorer requests. Target: state bytes on an unchanged day under 2 % of the first run's.`,
    "",
    "On the unchanged day no state file is downloaded but the locks. `app/` is not listed: SST writes a checkpoint",
    "only inside an update, which first writes a new update record and rewrites it as complete after the last",
    "checkpoint write, under a lock (pkg/project/run.go). So the listings of `update/` and `lock/` show which",
    "checkpoints may have changed: a stage whose newest record is the one remembered, complete, with the same ETag",
    "and no lock keeps its remembered checkpoint; any other is asked for with If-None-Match (a 304 has no body).",
    "The listings of `update/` and `lock/` are what remains of the state bytes. Once a week `app/` is listed in full",
    `as well, to see what was written outside SST's updates: that day reads ${weekly(x)} of the first run's state`,
    "bytes. Cost Explorer is asked only from the first day the cache lacks: the days that were still Estimated and",
    "the new day.",
  ].join("\n");
}
