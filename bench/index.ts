// `npm run bench`: the plan on generated estates (200 and 2,000 stages, 100,000 resources, 90 days of cost)
// against the sandbox in its own process with 50 ms latency on every call and Tagging's GetResources limited
// to 15 requests/s per account and region; then, at 2,000 stages, the steady state: a run that fills the
// cache in the ledger, and the next day's run on the unchanged estate. Prints the figures and writes the
// "Plan" and "Steady state" sections of BENCHMARKS.md.
//   npx tsx bench/index.ts [--stages 200,2000] [--concurrency N] [--repeat 3] [--no-write]
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sandboxNow, startSandboxProcess } from "../packages/cli/src/sandbox-process.js";
import { machine, updateBenchmarks } from "./machine.js";
import { minimumFor } from "./minimum.js";
import { planSection, type Scenario, steadySection } from "./report.js";
import { control, type PlanRun, runPlan } from "./run.js";

const { values } = parseArgs({
  options: {
    stages: { type: "string", default: "200,2000" },
    concurrency: { type: "string" },
    repeat: { type: "string", default: "3" },
    "no-write": { type: "boolean", default: false },
  },
});
const SEED_NUMBER = 7;
const RESOURCES = 100_000;
const DAYS = 90;
const LATENCY_MS = 50;
const TAGGING_PER_SECOND = 15;
const LEDGER = "stagekeeper-ledger-demo";

const dir = await mkdtemp(join(tmpdir(), "stagekeeper-bench-"));
const before = machine();
const scenarios: Scenario[] = [];
try {
  for (const stages of (values.stages ?? "").split(",").map(Number)) {
    const options = { stages, seedNumber: SEED_NUMBER, resources: RESOURCES, days: DAYS };
    const minimum = await minimumFor(options);
    const sandbox = await startSandboxProcess([
      ...["--generate", String(stages), "--seed-number", String(SEED_NUMBER)],
      ...["--resources", String(RESOURCES), "--days", String(DAYS), "--latency", String(LATENCY_MS)],
    ]);
    try {
      await control(sandbox, "POST", "rate-limits", {
        service: "tagging",
        operation: "GetResources",
        perSecond: TAGGING_PER_SECOND,
      });
      const config = join(dir, `config-${stages}.json`);
      await writeFile(
        config,
        JSON.stringify({
          accounts: minimum.accounts.map((a, i) => ({
            id: a.id,
            regions: a.regions,
            ...(i > 0 ? { roleArn: `arn:aws:iam::${a.id}:role/stagekeeper` } : {}),
          })),
          ledger: { bucket: LEDGER },
          ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
        }),
      );
      const now = (await sandboxNow(sandbox.url)).toISOString();
      console.log(`\n${stages} stages, ${RESOURCES} resources: planning ...`);
      // The machine is shared: the cold plan runs `--repeat` times and the median run is reported (the
      // largest peak RSS of all of them).
      const colds: PlanRun[] = [];
      for (let i = 0; i < Number(values.repeat); i++) colds.push(await runPlan(sandbox, { config, now }));
      const sorted = [...colds].sort((a, b) => a.planMs - b.planMs);
      const median = sorted[Math.floor((sorted.length - 1) / 2)];
      if (!median) throw new Error("--repeat must be at least 1");
      const cold = { ...median, maxRssMb: Math.max(...colds.map((r) => r.maxRssMb)) };
      // The same plan with V8's defaults (a heap limit from the machine's memory), for contrast.
      const defaults = await runPlan(sandbox, { config, now, nodeFlags: [] });
      const scenario: Scenario = {
        stages,
        minimum,
        cold,
        coldRuns: colds.map((r) => r.planMs),
        defaults,
        latencyMs: LATENCY_MS,
        perSecond: TAGGING_PER_SECOND,
      };
      if (stages === 2000) {
        console.log("  steady state: a run that fills the cache, then the next day's run ...");
        scenario.first = await runPlan(sandbox, { config, now, cache: true });
        await control(sandbox, "POST", "clock", { advance: "P1D" });
        const next = new Date(Date.parse(now) + 86_400_000).toISOString();
        scenario.steady = await runPlan(sandbox, { config, now: next, cache: true });
      }
      scenarios.push(scenario);
      console.log(planSection([scenario]).split("\n").slice(2).join("\n"));
    } finally {
      await sandbox.stop();
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const after = machine();
const command = `npm run bench${values.concurrency ? ` -- --concurrency ${values.concurrency}` : ""}`;
const plan = planSection(scenarios, { before, after, command });
const steady = steadySection(scenarios);
console.log(`\n${plan}\n\n${steady}`);
if (!values["no-write"]) {
  await updateBenchmarks({ Plan: plan, "Steady state": steady });
  console.log("\nBENCHMARKS.md updated (sections Plan and Steady state).");
}
