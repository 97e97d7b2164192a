import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { S3Client } from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../sandbox/src/index.js";
import { DEV, PROD, testSeed } from "../../sandbox/test/fixtures.js";
import { type Config, parseConfig } from "../src/config/index.js";
import { latestRun, type RunSnapshot } from "../src/ledger/runs.js";
import { LedgerStore } from "../src/ledger/store.js";
import { writeReportFiles } from "../src/report/files.js";
import { publishReport, snapshotOfRun } from "../src/report/report.js";
import { runDaily } from "../src/run/daily.js";
import { posted, topLevel } from "./report-fixtures.js";
import { slackEnv, useSandboxEnv } from "./sandbox-env.js";

const BIN = fileURLToPath(new URL("../../cli/bin/stagekeeper.js", import.meta.url));
const FAST = { retryConfig: { retries: 0 } };
const settings = {
  dryRun: true,
  owners: { alice: "U0ALICE" },
  accounts: [
    { id: DEV, regions: ["us-east-1", "eu-west-1"] },
    { id: PROD, regions: ["us-east-1"] },
  ],
  ledger: { bucket: "stagekeeper-ledger" },
  slack: { channel: "C0STAGES" },
};

let sandbox: Sandbox;
let restore: () => void;
let dir: string;

beforeEach(async () => {
  sandbox = await startSandbox({
    seed: testSeed({
      slack: { channels: [{ id: "C0STAGES", name: "stages" }], users: [{ id: "U0ALICE", name: "alice" }] },
    }),
  });
  restore = useSandboxEnv(sandbox, slackEnv(sandbox));
  dir = await mkdtemp(join(tmpdir(), "stagekeeper-report-"));
});
afterEach(async () => {
  restore();
  await sandbox.close();
});

const env = (config: Config) => ({ config, now: sandbox.clock.now(), homeRegion: "us-east-1" });
async function run(config: Config): Promise<RunSnapshot> {
  await runDaily(env(config));
  const store = new LedgerStore(new S3Client({ region: "us-east-1" }), "stagekeeper-ledger");
  const snapshot = await latestRun(store);
  if (!snapshot) throw new Error("no run snapshot");
  return snapshot;
}
const link = (blocks: unknown) =>
  /<(http[^|>]+)\|Open the dashboard>/.exec(JSON.stringify(blocks))?.[1]?.replace(/&amp;/g, "&");

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, "report", ...args], {
      env: process.env,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("publishReport", () => {
  it("writes the dashboard to the ledger bucket and links it from the digest for 7 days", async () => {
    const config = parseConfig(settings);
    const result = await publishReport(await run(config), { ...env(config), slack: FAST });
    expect(result.errors).toEqual([]);
    expect(result.dashboard.key).toBe("dashboard/index.html");
    const [top] = topLevel(await posted(sandbox.url));
    const url = link(top?.blocks);
    expect(url).toBe(result.dashboard.url);
    expect(url).toContain("X-Amz-Expires=604800");
    const page = await fetch(url ?? "");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await page.text()).toContain('<svg class="chart" data-chart="spend"');

    await fetch(`${sandbox.url}/_sandbox/clock`, {
      method: "POST",
      body: JSON.stringify({ advance: "P7DT1H" }),
    });
    expect((await fetch(url ?? "")).status).toBe(403);
  });

  it("links slack.dashboardUrl when it is configured", async () => {
    const config = parseConfig({
      ...settings,
      slack: { channel: "C0STAGES", dashboardUrl: "https://stages.example/" },
    });
    const result = await publishReport(await run(config), { ...env(config), slack: FAST });
    expect(link(result.messages?.blocks)).toBe("https://stages.example/");
  });

  it("still delivers the digest when the dashboard cannot be written, and says why", async () => {
    const config = parseConfig(settings);
    const snapshot = await run(config);
    const store = new LedgerStore(new S3Client({ region: "us-east-1" }), "stagekeeper-ledger");
    // The dashboard's writer has credentials S3 does not know; the ledger's are fine.
    const s3 = new S3Client({
      region: "us-east-1",
      credentials: { accessKeyId: "nobody", secretAccessKey: "x" },
    });
    const result = await publishReport(snapshot, { ...env(config), store, s3, slack: FAST });
    expect(result.digest.status).toBe("sent");
    expect(result.errors).toEqual([
      expect.stringMatching(/^the dashboard could not be written: InvalidAccessKeyId: /),
    ]);
    expect(JSON.stringify(result.messages?.blocks)).toContain(
      "Dashboard: the dashboard could not be written",
    );
  });

  it("reports from the run alone when there is no ledger", async () => {
    const config = parseConfig({ ...settings, ledger: undefined });
    const report = await runDaily(env(config));
    const result = await publishReport(snapshotOfRun(report), { ...env(config), slack: FAST });
    expect(result.digest.status).toBe("sent");
    expect(result.data?.stages).toHaveLength(report.plan.stages.length);
    expect(JSON.stringify(result.messages?.blocks)).toContain("Dashboard: no ledger bucket is configured");
  });

  it("writes the digest, the Slack channel page and the dashboard as files", async () => {
    const config = parseConfig(settings);
    const result = await publishReport(await run(config), { ...env(config), slack: FAST });
    if (!result.data) throw new Error("no report data");
    const files = await writeReportFiles(dir, {
      data: result.data,
      ...(result.messages ? { digest: result.messages } : {}),
      slackPageUrl: `${sandbox.url}/_sandbox/slack`,
    });
    expect(await readFile(files.digestText, "utf8")).toContain("Stagekeeper digest · Fri 20 Nov 2026");
    expect(JSON.parse(await readFile(files.digestJson, "utf8")).thread.length).toBeGreaterThan(0);
    expect(await readFile(files.dashboard, "utf8")).toMatch(/^<!doctype html>/);
    expect(await readFile(files.slackPage ?? "", "utf8")).toContain("Stagekeeper digest");
  });
});

describe("stagekeeper report", () => {
  it("prints the latest run's digest as text or JSON and writes the dashboard, from the ledger", async () => {
    const file = join(dir, "config.json");
    await writeFile(file, JSON.stringify(settings));
    expect((await cli(["--config", file])).code).toBe(4);

    await run(parseConfig(settings));
    const text = await cli(["--config", file]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Stagekeeper digest · Fri 20 Nov 2026\n/);
    expect(text.stdout).toContain("[dry run] Dry run — Stagekeeper changed nothing");
    expect(text.stdout).toContain("stagekeeper report --html dashboard.html");

    const json = await cli(["--config", file, "--json"]);
    const parsed = JSON.parse(json.stdout);
    expect(parsed).toMatchObject({ at: expect.stringMatching(/^2026-11-20T09:00/), dryRun: true });
    expect(parsed.digest.blocks[0].type).toBe("header");

    const html = join(dir, "dashboard.html");
    const written = await cli(["--config", file, "--html", html]);
    expect(written.stdout).toBe(`Dashboard of the run of ${parsed.at} written to ${html}\n`);
    expect(await readFile(html, "utf8")).toContain('<table id="stages">');
    // Read-only: nothing went to Slack.
    expect(await posted(sandbox.url)).toHaveLength(0);
  });

  it("refuses a config without a ledger with the fix", async () => {
    const file = join(dir, "config.json");
    await writeFile(file, JSON.stringify({ ...settings, ledger: undefined }));
    const result = await cli(["--config", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no ledger bucket is configured: set "ledger"');
  });
});
