import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Environment,
  homeRegion,
  loadConfig,
  type RunReport,
  renderRunSummary,
  writeReportFiles,
} from "@stagekeeper/core";
import { runAsOperator } from "../operator.js";
import { advanceSandbox, sandboxNow, startSandboxProcess, useSandbox } from "../sandbox-process.js";

const DEMO_CONFIG = fileURLToPath(new URL("../../../../examples/demo.config.json", import.meta.url));

/**
 * `npm start`: the daily job on the demo estate over two simulated days, in a sandbox of its own process,
 * with the real SDK clients over HTTP and the sandbox's credentials only. Day 1 warns; day 2 removes.
 */
export async function demo(_argv: string[]): Promise<number> {
  const sandbox = await startSandboxProcess();
  try {
    useSandbox(sandbox);
    const config = await loadConfig(DEMO_CONFIG);
    const out = (text: string) => process.stdout.write(text);
    out(`SANDBOX: a local stand-in for AWS and Slack on ${sandbox.url}; no real account is touched.\n`);
    out(`Config: examples/demo.config.json (dry run ${config.dryRun ? "on" : "off"}).\n`);

    let reported: RunReport["reported"];
    const day = async (title: string): Promise<Environment> => {
      const env = { config, now: await sandboxNow(sandbox.url), homeRegion: homeRegion() };
      out(`\n━━ ${title}: ${env.now.toISOString()} ━━\n`);
      const { report, worker, reconciled } = await runAsOperator(env);
      reported = report.reported;
      for (const error of report.reported?.errors ?? []) out(`Reporting: ${error}\n`);
      for (const r of reconciled?.recorded ?? []) {
        out(
          `Settled: ${r.stage.app}/${r.stage.stage} (${r.stage.account}/${r.stage.region}): ${r.outcome} — ${r.reason}\n`,
        );
      }
      out(renderRunSummary(report));
      for (const w of worker) out(`Removal worker: ${w.action} ${w.buildId ?? ""} — ${w.reason}\n`);
      return env;
    };
    await day("Day 1");
    await advanceSandbox(sandbox.url, "P1D");
    await day("Day 2");
    // Let the removal builds finish in the sandbox's CodeBuild, then see them settled on the next morning.
    await advanceSandbox(sandbox.url, "P1D");
    await day("Day 3");
    await keepFiles(reported, sandbox.url, out);
    return 0;
  } finally {
    await sandbox.stop();
  }
}

/** The digest, the Slack channel page and the dashboard as files, to open after the sandbox has stopped. */
async function keepFiles(
  reported: RunReport["reported"],
  url: string,
  out: (text: string) => void,
): Promise<void> {
  if (!reported?.data) return;
  const dir = join(process.cwd(), "out", "demo");
  const files = await writeReportFiles(dir, {
    data: reported.data,
    ...(reported.messages ? { digest: reported.messages } : {}),
    slackPageUrl: `${url}/_sandbox/slack`,
  });
  out(`\nThe digest went to the sandbox's Slack (#stages). Kept after the sandbox stops:\n`);
  for (const path of Object.values(files))
    if (typeof path === "string") out(`  ${relative(process.cwd(), path)}\n`);
}
