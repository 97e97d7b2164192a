import { parseSeed, type Sandbox, type Seed, type SeedInput, startSandbox } from "../src/index.js";

export const DEV = "111111111111";
export const PROD = "222222222222";

/** A small estate: two accounts, two apps, a handful of stages. Tests add what they need. */
export function testSeed(extra: Partial<SeedInput> = {}): Seed {
  const base: SeedInput = {
    version: 1,
    now: "2026-11-20T09:00:00Z",
    accounts: [
      {
        id: DEV,
        name: "dev",
        regions: ["us-east-1", "eu-west-1"],
        buckets: [{ name: "stagekeeper-ledger", region: "us-east-1" }],
        untaggedDaily: "3.10",
      },
      { id: PROD, name: "prod", regions: ["us-east-1"] },
    ],
    apps: [
      { name: "shop", repository: "acme/shop", protect: ["production"] },
      { name: "api", repository: "acme/api", protect: ["production", "staging"] },
    ],
    stages: [
      {
        app: "shop",
        stage: "production",
        account: PROD,
        region: "us-east-1",
        createdAt: "2026-01-05T10:00:00Z",
        lastDeployedAt: "2026-11-01T12:00:00Z",
        protect: true,
        cost: { daily: "41.5" },
      },
      {
        app: "shop",
        stage: "pr-12",
        account: DEV,
        region: "us-east-1",
        createdAt: "2026-11-01T10:00:00Z",
        cost: { daily: "1.2345" },
      },
      {
        app: "api",
        stage: "pr-12",
        account: DEV,
        region: "eu-west-1",
        createdAt: "2026-11-10T10:00:00Z",
        gzip: true,
        cost: { daily: "0.5" },
      },
    ],
    codebuild: { projects: [{ name: "stagekeeper-remove", account: DEV, region: "us-east-1" }] },
    queues: [{ name: "stagekeeper-removals", account: DEV, region: "us-east-1" }],
    slack: { channels: [{ id: "C0STAGES", name: "stages" }], users: [{ id: "U0ALICE", name: "alice" }] },
  };
  return parseSeed({ ...base, ...extra });
}

/** Client configuration for the sandbox through the standard endpoint settings, as production code sees it. */
export function clientConfig(sandbox: Sandbox, region = "us-east-1", accessKeyId = "sandbox") {
  return {
    region,
    endpoint: sandbox.url,
    credentials: { accessKeyId, secretAccessKey: "sandbox" },
    maxAttempts: 1,
  };
}

export async function withSandbox<T>(seed: Seed, run: (sandbox: Sandbox) => Promise<T>): Promise<T> {
  const sandbox = await startSandbox({ seed });
  try {
    return await run(sandbox);
  } finally {
    await sandbox.close();
  }
}
