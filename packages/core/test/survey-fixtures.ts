import {
  DEMO_DEV,
  DEMO_PROD,
  type FaultRule,
  type RateLimit,
  type Sandbox,
  type Seed,
  startSandbox,
} from "@stagekeeper/sandbox";
import { s3Client } from "../src/aws/clients.js";
import { type Config, parseConfig } from "../src/config/index.js";
import { LedgerStore } from "../src/ledger/store.js";
import { type Survey, survey } from "../src/survey/index.js";

export { DEMO_DEV, DEMO_PROD };
export const DEMO_LEDGER = "stagekeeper-ledger-demo";

/** The demo estate's accounts: dev with the `sandbox` credentials, prod through its `stagekeeper` role. */
export function demoConfig(overrides: Record<string, unknown> = {}): Config {
  return parseConfig({
    accounts: [
      { id: DEMO_DEV, regions: ["us-east-1", "eu-west-1"] },
      { id: DEMO_PROD, roleArn: `arn:aws:iam::${DEMO_PROD}:role/stagekeeper`, regions: ["us-east-1"] },
    ],
    concurrency: 16,
    ...overrides,
  });
}

/**
 * Runs `test` against a sandbox reached through the standard SDK configuration (AWS_ENDPOINT_URL, ...), as
 * production code reaches AWS; the environment is restored afterwards.
 */
export async function withEstate<T>(seed: Seed, test: (sandbox: Sandbox) => Promise<T>): Promise<T> {
  const sandbox = await startSandbox({ seed });
  const names = ["AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"] as const;
  const saved = names.map((name) => [name, process.env[name]] as const);
  for (const name of names) process.env[name] = sandbox.env[name];
  try {
    return await test(sandbox);
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await sandbox.close();
  }
}

export function surveyAt(config: Config, sandbox: Sandbox, cache?: LedgerStore): Promise<Survey> {
  return survey(config, { now: sandbox.clock.now(), homeRegion: "us-east-1", ...(cache ? { cache } : {}) });
}

export function demoLedger(): LedgerStore {
  return new LedgerStore(s3Client({ region: "us-east-1" }), DEMO_LEDGER);
}

async function control(sandbox: Sandbox, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${sandbox.url}/_sandbox/${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Over HTTP, as a test from outside would. */
export const sandboxControl = {
  fault: (sandbox: Sandbox, rule: FaultRule) => control(sandbox, "POST", "faults", rule),
  clearFaults: (sandbox: Sandbox) => control(sandbox, "DELETE", "faults"),
  rateLimit: (sandbox: Sandbox, limit: RateLimit) => control(sandbox, "POST", "rate-limits", limit),
  advance: (sandbox: Sandbox, duration: string) => control(sandbox, "POST", "clock", { advance: duration }),
  pageSize: (sandbox: Sandbox, groups: number) =>
    control(sandbox, "POST", "cost-explorer/page-size", { groups }),
  resetRequests: (sandbox: Sandbox) => control(sandbox, "DELETE", "requests"),
  requests: (sandbox: Sandbox) =>
    control(sandbox, "GET", "requests") as Promise<{
      counts: Record<string, number>;
      bytes: Record<string, number>;
    }>,
};
