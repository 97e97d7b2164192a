import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../packages/core/src/config/index.js";
import { dashboardHtml } from "../packages/core/src/report/dashboard/page.js";
import { deliverDigest } from "../packages/core/src/report/deliver.js";
import { digestBlocks } from "../packages/core/src/report/digest.js";
import { fixtureReport } from "../packages/core/test/report-fixtures.js";
import { startSandbox } from "../packages/sandbox/src/index.js";
import { testSeed } from "../packages/sandbox/test/fixtures.js";

const CHROMIUM = "/usr/bin/chromium";
const INSTALL = "apt-get update && apt-get install -y chromium";
const RESULTS = resolve("test-results");
const STAGES = 300;

/**
 * Debian's Chromium drives the test. On a fresh machine it is installed here when we can (root and apt-get);
 * otherwise the test fails with the command to run. It is never skipped.
 */
function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  const root = process.getuid?.() === 0;
  if (root && existsSync("/usr/bin/apt-get")) {
    process.stderr.write(`${CHROMIUM} is missing: running ${INSTALL}\n`);
    spawnSync("sh", ["-c", INSTALL], {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      timeout: 15 * 60_000,
    });
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `the dashboard test needs Chromium at ${CHROMIUM}; install it with: sudo sh -c '${INSTALL}'`,
    );
  }
}

let context: BrowserContext;
let profile: string;
const problems: string[] = [];

async function open(url: string): Promise<Page> {
  const page = await context.newPage();
  // The browser asks any http page for /favicon.ico; the sandbox has none (a 403 that is not the page's).
  await page.route("**/favicon.ico", (route) => route.fulfill({ status: 204 }));
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(url, { waitUntil: "load" });
  return page;
}

beforeAll(async () => {
  ensureChromium();
  await mkdir(RESULTS, { recursive: true });
  profile = await mkdtemp(join(tmpdir(), "stagekeeper-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1360, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}, 20 * 60_000);

afterAll(async () => {
  await context?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

const numbers = (page: Page, column: number) =>
  page
    .locator(`#stages tbody tr:visible td:nth-child(${column})`)
    .evaluateAll((cells) => cells.map((c) => c.getAttribute("data-v") ?? ""));

describe("the HTML dashboard in Chromium", () => {
  it("loads without errors, draws every chart, and sorts and filters the stage table", async () => {
    const file = join(RESULTS, "dashboard.html");
    await writeFile(file, dashboardHtml(fixtureReport(STAGES)));
    const requests: string[] = [];
    context.on("request", (r) => {
      if (!r.url().startsWith("file:")) requests.push(r.url());
    });
    problems.length = 0;
    const page = await open(pathToFileURL(file).href);

    const charts = page.locator("svg.chart");
    expect(await charts.count()).toBe(4);
    for (const name of ["spend", "top", "age", "removals"]) {
      const chart = page.locator(`svg.chart[data-chart="${name}"]`);
      expect(await chart.locator(".mark").count(), name).toBeGreaterThan(0);
      const box = await chart.boundingBox();
      expect(box?.width, name).toBeGreaterThan(300);
      expect(box?.height, name).toBeGreaterThan(100);
    }
    await page.screenshot({ path: join(RESULTS, "dashboard.png"), fullPage: true });

    const rows = page.locator("#stages tbody tr:visible");
    expect(await rows.count()).toBe(STAGES);
    // Sorted by 7-day cost, highest first, as it loads.
    const initial = (await numbers(page, 10)).map(Number);
    expect(initial).toEqual([...initial].sort((a, b) => b - a));

    await page.getByRole("button", { name: "Age", exact: true }).click();
    const ages = (await numbers(page, 8)).map(Number);
    expect(ages).toEqual([...ages].sort((a, b) => b - a));
    await page.getByRole("button", { name: "Age", exact: true }).click();
    expect((await numbers(page, 8)).map(Number)).toEqual([...ages].reverse().sort((a, b) => a - b));
    expect(await page.locator("th[aria-sort]").getAttribute("aria-sort")).toBe("ascending");

    await page.getByRole("button", { name: "App", exact: true }).click();
    const apps = await page.locator("#stages tbody tr td:nth-child(1)").allTextContents();
    expect(apps).toEqual([...apps].sort());

    await page.locator("#filter").fill("pr-1");
    const filtered = await rows.count();
    expect(filtered).toBeGreaterThan(0);
    expect(filtered).toBeLessThan(STAGES);
    for (const text of await rows.allTextContents()) expect(text).toContain("pr-1");
    expect(await page.locator("#shown").textContent()).toBe(`${filtered} of ${STAGES}`);

    await page.locator("#filter").fill("");
    await page.locator("#decision").selectOption("expiring");
    const decisions = await page.locator("#stages tbody tr:visible td:nth-child(6)").allTextContents();
    expect(decisions.length).toBeGreaterThan(0);
    expect(new Set(decisions)).toEqual(new Set(["expiring"]));

    expect(problems).toEqual([]);
    // Self-contained: the page asked the network for nothing.
    expect(requests).toEqual([]);
    await page.close();
  });

  it("shows the delivered digest on the sandbox's Slack page", async () => {
    const sandbox = await startSandbox({
      seed: testSeed({
        slack: { channels: [{ id: "C0STAGES", name: "stages" }], users: [{ id: "U0OWNER3", name: "dana" }] },
      }),
    });
    try {
      const digest = digestBlocks(fixtureReport(80), {
        dashboardUrl: "https://stagekeeper.example/dashboard",
      });
      const delivery = await deliverDigest({
        config: parseConfig({ slack: { channel: "C0STAGES" } }),
        at: new Date("2026-11-27T08:00:00Z"),
        digest,
        slack: { token: "xoxb-sandbox", apiUrl: `${sandbox.url}/api/`, retryConfig: { retries: 0 } },
      });
      expect(delivery.status).toBe("sent");
      problems.length = 0;
      const page = await open(`${sandbox.url}/_sandbox/slack`);
      await page.screenshot({ path: join(RESULTS, "slack-digest.png"), fullPage: true });
      expect(await page.locator(".header").first().textContent()).toBe(
        "Stagekeeper digest · Fri 27 Nov 2026",
      );
      expect(await page.locator(".thread").count()).toBe(1);
      expect(await page.locator(".button.primary", { hasText: "Keep 7 days" }).count()).toBeGreaterThan(3);
      expect(await page.locator("a", { hasText: "Open the dashboard" }).getAttribute("href")).toBe(
        "https://stagekeeper.example/dashboard",
      );
      expect(problems).toEqual([]);
      await page.close();
    } finally {
      await sandbox.close();
    }
  });
});
