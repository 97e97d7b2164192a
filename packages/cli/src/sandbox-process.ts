import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** A sandbox running in its own process, as `stagekeeper sandbox --json` starts it. */
export interface SandboxProcess {
  url: string;
  env: Record<string, string>;
  stop(): Promise<void>;
}

const BIN = fileURLToPath(new URL("../bin/stagekeeper.js", import.meta.url));

export async function startSandboxProcess(args: string[] = []): Promise<SandboxProcess> {
  const child = spawn(process.execPath, [BIN, "sandbox", "--json", ...args], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NonNullable<ChildProcess["stdout"]> });
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the sandbox exited with code ${code} before it started`)));
  });
  const { url, env } = JSON.parse(first) as { url: string; env: Record<string, string> };
  return {
    url,
    env,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.stdin?.end();
      await exited;
    },
  };
}

/**
 * Points this process's AWS SDK and Slack configuration at the sandbox, and only there: credentials from the
 * sandbox, never a profile or token from the environment.
 */
export function useSandbox(sandbox: SandboxProcess): void {
  for (const name of Object.keys(process.env)) {
    const secretish = /^AWS_/.test(name) && !name.startsWith("AWS_SDK_JS_");
    if (secretish || name === "SLACK_BOT_TOKEN" || name === "GITHUB_TOKEN") delete process.env[name];
  }
  Object.assign(process.env, sandbox.env);
}

/** Asks the sandbox itself, so nothing acts on an endpoint that only claims to be one. */
export async function sandboxNow(url: string): Promise<Date> {
  const response = await fetch(`${url}/_sandbox/health`);
  const body = (await response.json()) as { ok?: boolean; now?: string };
  if (!response.ok || body.ok !== true || !body.now) throw new Error(`${url} is not a Stagekeeper sandbox`);
  return new Date(body.now);
}

/** Moves the sandbox's clock forward by an ISO-8601 duration. */
export async function advanceSandbox(url: string, duration: string): Promise<Date> {
  const response = await fetch(`${url}/_sandbox/clock`, {
    method: "POST",
    body: JSON.stringify({ advance: duration }),
  });
  const body = (await response.json()) as { now?: string; error?: string };
  if (!response.ok || !body.now)
    throw new Error(`the sandbox clock did not move: ${body.error ?? response.status}`);
  return new Date(body.now);
}
