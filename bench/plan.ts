// The measured process: what `stagekeeper plan --json --config FILE --now T` does (load the config, survey,
// decide, print the plan's JSON), with `--cache` adding the ledger named in the config as the survey's cache.
// stdout gets the plan; stderr's last line is `BENCH {json}` with the timings, the survey's read statistics
// and the peak RSS of this process (process.resourceUsage().maxRSS, read at the very end).
import { parseArgs } from "node:util";
import { s3Client } from "../packages/core/src/aws/clients.js";
import { loadConfig } from "../packages/core/src/config/index.js";
import { LedgerStore } from "../packages/core/src/ledger/store.js";
import { decide, planToJson } from "../packages/core/src/plan/index.js";
import { survey } from "../packages/core/src/survey/index.js";

const started = performance.now();
const { values } = parseArgs({
  options: {
    config: { type: "string" },
    now: { type: "string" },
    cache: { type: "boolean", default: false },
  },
});
const now = new Date(values.now ?? Date.now());
const config = await loadConfig(values.config);
const homeRegion = process.env.AWS_REGION ?? "us-east-1";
const cache =
  values.cache && config.ledger
    ? new LedgerStore(s3Client({ region: homeRegion }), config.ledger.bucket)
    : undefined;

const planStart = performance.now();
// BENCH_TRACE=1: the survey's progress messages on stderr, with the time since the plan started.
const progress = process.env.BENCH_TRACE
  ? (message: string) =>
      process.stderr.write(`${((performance.now() - planStart) / 1000).toFixed(1)} s  ${message}\n`)
  : undefined;
const facts = await survey(config, {
  now,
  homeRegion,
  ...(cache ? { cache } : {}),
  ...(progress ? { progress } : {}),
});
const surveyed = performance.now();
const plan = decide({ ...facts, config, now });
const json = JSON.stringify(planToJson(plan), null, 2);
await new Promise<void>((resolve, reject) =>
  process.stdout.write(`${json}\n`, (error) => (error ? reject(error) : resolve())),
);
const done = performance.now();

const report = {
  startupMs: Math.round(planStart - started),
  surveyMs: Math.round(surveyed - planStart),
  planMs: Math.round(done - planStart),
  stages: plan.stages.length,
  failures: plan.failures.length,
  stats: facts.stats,
  maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  cpuMs: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000),
};
process.stderr.write(`BENCH ${JSON.stringify(report)}\n`);
