// Runs the measured plan (bench/plan.ts) in its own process against a sandbox process, and reads what the
// sandbox saw: calls and response bytes per operation.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { SandboxProcess } from "../packages/cli/src/sandbox-process.js";

const PLAN = fileURLToPath(new URL("./plan.ts", import.meta.url));
const LAUNCHER = fileURLToPath(new URL("../packages/cli/bin/stagekeeper.js", import.meta.url));

/** The node flags of the CLI's launcher (its `#!/usr/bin/env -S node ...` line): the plan runs as the CLI does. */
export const LAUNCHER_FLAGS = (/^#!.*\bnode\b(.*)$/m.exec(readFileSync(LAUNCHER, "utf8"))?.[1] ?? "")
  .split(" ")
  .filter(Boolean);

export interface PlanRun {
  /** From spawning the process to its exit, startup (Node, tsx, modules) included. */
  processMs: number;
  /** In the process: from loading the config to the plan written, as bench/plan.ts measures it. */
  planMs: number;
  surveyMs: number;
  maxRssMb: number;
  cpuMs: number;
  stages: number;
  failures: number;
  stats: {
    state: {
      checkpointsRead: number;
      checkpointsRemembered: number;
      checkpointsConfirmed: number;
      updatesRead: number;
      bytesRead: number;
    };
    cost: { pages: number; daysAsked: number; daysRemembered: number };
  };
  planBytes: number;
  calls: Record<string, number>;
  bytes: Record<string, number>;
}

export async function control(sandbox: SandboxProcess, method: string, path: string, body?: unknown) {
  const response = await fetch(`${sandbox.url}/_sandbox/${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok)
    throw new Error(`${method} /_sandbox/${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<Record<string, unknown>>;
}

export async function runPlan(
  sandbox: SandboxProcess,
  /** `nodeFlags`: by default the launcher's. */
  args: { config: string; now: string; cache?: boolean; nodeFlags?: string[] },
): Promise<PlanRun> {
  await control(sandbox, "DELETE", "requests");
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!/^AWS_/.test(name)) env[name] = value;
  Object.assign(env, sandbox.env);
  const argv = [
    ...(args.nodeFlags ?? LAUNCHER_FLAGS),
    "--import",
    "tsx",
    PLAN,
    "--config",
    args.config,
    "--now",
    args.now,
  ];
  if (args.cache) argv.push("--cache");
  const started = performance.now();
  const child = spawn(process.execPath, argv, { env, stdio: ["ignore", "pipe", "pipe"] });
  let planBytes = 0;
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    planBytes += chunk.length;
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  const processMs = Math.round(performance.now() - started);
  const line = stderr.split("\n").find((l) => l.startsWith("BENCH "));
  if (code !== 0 || !line) throw new Error(`the plan exited with ${code}:\n${stderr}`);
  if (process.env.BENCH_TRACE) process.stderr.write(stderr);
  const report = JSON.parse(line.slice("BENCH ".length)) as Omit<
    PlanRun,
    "processMs" | "planBytes" | "calls" | "bytes"
  >;
  const seen = await control(sandbox, "GET", "requests");
  return {
    ...report,
    processMs,
    planBytes,
    calls: seen.counts as Record<string, number>,
    bytes: seen.bytes as Record<string, number>,
  };
}
