import { fileURLToPath } from "node:url";
import { decide, loadConfig, renderPlanTable, survey } from "@stagekeeper/core";
import { sandboxNow, startSandboxProcess, useSandbox } from "../sandbox-process.js";

const DEMO_CONFIG = fileURLToPath(new URL("../../../../examples/demo.config.json", import.meta.url));

/** `npm start`: the demo estate in a sandbox of its own, planned over HTTP with the real SDK clients. */
export async function demo(_argv: string[]): Promise<number> {
  const sandbox = await startSandboxProcess();
  try {
    useSandbox(sandbox);
    const now = await sandboxNow(sandbox.url);
    process.stdout.write(
      `SANDBOX — a local stand-in for AWS and Slack on ${sandbox.url}; nothing real is touched.\n`,
    );
    process.stdout.write(`Demo estate as of ${now.toISOString()}\n\n`);
    const config = await loadConfig(DEMO_CONFIG);
    const facts = await survey(config, { now, homeRegion: sandbox.env.AWS_REGION ?? "us-east-1" });
    process.stdout.write(renderPlanTable(decide({ ...facts, config, now })));
    return 0;
  } finally {
    await sandbox.stop();
  }
}
