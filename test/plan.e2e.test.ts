import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { type SandboxProcess, startSandboxProcess } from "../packages/cli/src/sandbox-process.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DEV = "111111111111";
const PROD = "222222222222";
const NOW = "2026-11-27T08:00:00.000Z";
const CLI_TIMEOUT = 120_000;

/** docs/plan-schema.md: every documented field is present; new fields may be added within a version. */
const time = z.iso.datetime();
const money = z.string().regex(/^-?\d+(\.\d+)?$/);
const decision = z.enum([
  "keep",
  "expiring",
  "remove",
  "protected",
  "locked",
  "removing",
  "failed",
  "orphaned",
  "unknown",
]);
const stageJson = z.looseObject({
  account: z.string().regex(/^\d{12}$/),
  region: z.string(),
  app: z.string(),
  stage: z.string(),
  kind: z.string().min(1),
  decision,
  reason: z.string().min(10),
  removeAt: time.nullable(),
  expiresAt: time.nullable(),
  protected: z.union([z.boolean(), z.literal("unknown")]),
  createdAt: time.nullable(),
  lastDeployedAt: time.nullable(),
  idleDays: z.number().int().nullable(),
  ageDays: z.number().int().nullable(),
  locked: z.boolean(),
  lockedSince: time.nullable(),
  resourceCount: z.number().int().min(0),
  taggedResources: z.number().int().min(0),
  owner: z.string().nullable(),
  cost: z
    .looseObject({
      yesterday: money,
      last7Days: money,
      monthToDate: money,
      forecast: money,
      estimated: z.boolean(),
      daily: z.array(z.looseObject({ date: z.iso.date(), amount: money, estimated: z.boolean() })),
    })
    .nullable(),
});
const planJson = z.looseObject({
  schemaVersion: z.literal(1),
  generatedAt: time,
  dryRun: z.boolean(),
  stages: z.array(stageJson),
  totals: z.looseObject({
    stages: z.number().int(),
    byDecision: z.looseObject(Object.fromEntries(decision.options.map((d) => [d, z.number().int().min(0)]))),
    cost: z.looseObject({ yesterday: money, last7Days: money, monthToDate: money, forecast: money }),
    reclaimable7Days: money,
  }),
  failures: z.array(
    z.looseObject({
      source: z.enum(["bootstrap", "state", "lock", "tagging", "cost", "github"]),
      account: z.string(),
      region: z.string().nullable(),
      message: z.string(),
    }),
  ),
  malformed: z.array(
    z.looseObject({ account: z.string(), region: z.string(), location: z.string(), problem: z.string() }),
  ),
  untagged: z
    .array(z.looseObject({ account: z.string(), yesterday: money, last7Days: money, monthToDate: money }))
    .nullable(),
  costTags: z.array(z.looseObject({ account: z.string(), tag: z.string(), message: z.string() })).nullable(),
});

let sandbox: SandboxProcess;
let dir: string;

/** `npx stagekeeper plan ...` in its own process, with the sandbox's environment and no other AWS settings. */
function plan(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!/^AWS_/.test(name)) env[name] = value;
  Object.assign(env, sandbox.env);
  return new Promise((resolve) => {
    execFile(
      "npx",
      ["--no-install", "stagekeeper", "plan", ...args],
      { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024, timeout: CLI_TIMEOUT },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function control(method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${sandbox.url}/_sandbox/${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.status, `${method} ${path}`).toBe(200);
}

async function writeConfig(name: string, config: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(config));
  return path;
}

const CONFIG = {
  accounts: [
    { id: DEV, regions: ["us-east-1", "eu-west-1"] },
    { id: PROD, roleArn: `arn:aws:iam::${PROD}:role/stagekeeper`, regions: ["us-east-1"] },
  ],
  owners: { alice: "U0ALICE", bob: "U0BOB", dave: "U0DAVE", erin: "U0ERIN", frank: "U0FRANK" },
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "stagekeeper-plan-"));
  sandbox = await startSandboxProcess();
}, CLI_TIMEOUT);

afterAll(async () => {
  await sandbox?.stop();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await control("DELETE", "faults");
  await control("POST", "clock", { set: NOW });
});

describe("stagekeeper plan, against a sandbox in its own process", () => {
  it("prints the documented JSON and nothing else, and exits 0", { timeout: CLI_TIMEOUT }, async () => {
    const config = await writeConfig("demo.json", CONFIG);
    const { code, stdout } = await plan(["--json", "--config", config, "--now", NOW]);
    expect(code).toBe(0);
    const parsed = planJson.parse(JSON.parse(stdout));
    expect(stdout.trimStart().startsWith("{") && stdout.trimEnd().endsWith("}")).toBe(true);
    expect(parsed.generatedAt).toBe(NOW);
    expect(parsed.failures).toEqual([]);
    // The demo's 39 stages and its two orphans, each app and stage with its account and region.
    expect(parsed.stages).toHaveLength(41);
    expect(parsed.totals.stages).toBe(41);
    const find = (app: string, stage: string) =>
      parsed.stages.filter((s) => s.app === app && s.stage === stage);
    expect(find("shop", "production")[0]).toMatchObject({
      decision: "protected",
      protected: true,
      account: PROD,
    });
    expect(
      find("api", "load-test")
        .map((s) => s.account)
        .sort(),
    ).toEqual([DEV, PROD]);
    expect(find("shop", "pr-31")[0]).toMatchObject({ decision: "orphaned", protected: "unknown" });
    expect(find("shop", "pr-57")[0]).toMatchObject({ decision: "locked", locked: true });
    expect(find("shop", "pr-38")[0]?.cost?.last7Days).toBe("16.1805");
    expect(parsed.malformed.map((m) => m.location.split("/").slice(-2).join("/")).sort()).toEqual([
      "api/pr-77.json",
      "shop/bad$name.json",
    ]);
  });

  it("exits 2 on a bad config, naming the field, and prints nothing on stdout", {
    timeout: CLI_TIMEOUT,
  }, async () => {
    const config = await writeConfig("bad.json", { ...CONFIG, maxRemovalsPerRun: -3, concurency: 8 });
    const { code, stdout, stderr } = await plan(["--json", "--config", config]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/maxRemovalsPerRun/);
    expect(stderr).toMatch(/concurency: is not a known setting/);
  });

  it("exits 3 when a source failed, and the plan names it", { timeout: CLI_TIMEOUT }, async () => {
    await control("POST", "faults", { service: "tagging", kind: "error" });
    const config = await writeConfig("demo.json", CONFIG);
    const { code, stdout } = await plan(["--json", "--config", config, "--now", NOW]);
    expect(code).toBe(3);
    const parsed = planJson.parse(JSON.parse(stdout));
    expect(new Set(parsed.failures.map((f) => f.source))).toEqual(new Set(["tagging"]));
    expect(parsed.stages.some((s) => s.decision === "remove" || s.decision === "expiring")).toBe(false);
  });

  it("moved forward 10 days (--now and the sandbox clock), turns kept stages into expiring ones", {
    timeout: CLI_TIMEOUT,
  }, async () => {
    const config = await writeConfig("demo.json", CONFIG);
    const today = planJson.parse(
      JSON.parse((await plan(["--json", "--config", config, "--now", NOW])).stdout),
    );
    const later = "2026-12-07T08:00:00.000Z";
    await control("POST", "clock", { set: later });
    const { code, stdout } = await plan(["--json", "--config", config, "--now", later]);
    expect(code).toBe(0);
    const then = planJson.parse(JSON.parse(stdout));
    const before = new Map(
      today.stages.map((s) => [`${s.account}/${s.region}/${s.app}/${s.stage}`, s.decision]),
    );
    const turned = then.stages
      .filter(
        (s) =>
          s.decision === "expiring" && before.get(`${s.account}/${s.region}/${s.app}/${s.stage}`) === "keep",
      )
      .map((s) => `${s.app}/${s.stage}`);
    // Young PR stages, idle more than 7 days by then, and never warned: expiring, not yet removed.
    expect(turned).toEqual(expect.arrayContaining(["shop/pr-60", "api/pr-120", "data-pipeline/pr-10"]));
    expect(then.stages.find((s) => s.app === "shop" && s.stage === "pr-60")?.removeAt).not.toBeNull();
  });
});
