import { S3Client } from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../sandbox/src/index.js";
import { testSeed } from "../../sandbox/test/fixtures.js";
import { parseConfig } from "../src/config/index.js";
import { LedgerStore } from "../src/ledger/store.js";
import { deliverDigest, pendingDigests } from "../src/report/deliver.js";
import { type Digest, digestBlocks } from "../src/report/digest.js";
import type { SlackOptions } from "../src/report/slack.js";
import { fixtureReport, NOW, posted, repliesTo, topLevel } from "./report-fixtures.js";
import { slackEnv, useSandboxEnv } from "./sandbox-env.js";

const CHANNEL = "C0STAGES";
const config = parseConfig({ slack: { channel: CHANNEL }, ledger: { bucket: "stagekeeper-ledger" } });
/** Tests fail fast: no retries of 5xx answers. */
const FAST: SlackOptions = { retryConfig: { retries: 0 } };
const DAY = 86_400_000;

let sandbox: Sandbox;
let restore: () => void;
let store: LedgerStore;

beforeEach(async () => {
  sandbox = await startSandbox({
    seed: testSeed({
      slack: { channels: [{ id: CHANNEL, name: "stages" }], users: [{ id: "U0ALICE", name: "alice" }] },
    }),
  });
  restore = useSandboxEnv(sandbox, slackEnv(sandbox));
  store = new LedgerStore(new S3Client({ region: "us-east-1" }), "stagekeeper-ledger");
});
afterEach(async () => {
  restore();
  await sandbox.close();
});

const control = (path: string, body: unknown) =>
  fetch(`${sandbox.url}/_sandbox/${path}`, { method: "POST", body: JSON.stringify(body) });
const digestOf = (stages: number, at = NOW): Digest => digestBlocks({ ...fixtureReport(stages), at });

describe("deliverDigest", () => {
  it("posts one top-level message to the channel and the details in its thread", async () => {
    const digest = digestOf(60);
    const result = await deliverDigest({ store, config, at: NOW, digest, slack: FAST });
    expect(result).toMatchObject({ status: "sent", channel: CHANNEL, pending: [], resent: [] });
    const messages = await posted(sandbox.url);
    const [top, ...rest] = topLevel(messages);
    expect(rest).toHaveLength(0);
    expect(top?.ts).toBe(result.ts);
    expect(top?.text).toBe(digest.text);
    expect(repliesTo(messages, top?.ts ?? "").map((m) => m.text)).toEqual(digest.thread.map((m) => m.text));
    expect(await store.list("digests/sent/")).toHaveLength(1);
  });

  it("delivers a 2,000-stage digest that Slack accepts, message by message", async () => {
    const digest = digestOf(2000);
    const result = await deliverDigest({ store, config, at: NOW, digest, slack: FAST });
    expect(result.status).toBe("sent");
    expect(await posted(sandbox.url)).toHaveLength(1 + digest.thread.length);
  });

  it("waits out a rate limit (Retry-After) and delivers everything", async () => {
    await control("slack/rate-limit", { perSecond: 1, burst: 2 });
    const digest = digestOf(200);
    expect(digest.thread.length).toBeGreaterThanOrEqual(3);
    const started = Date.now();
    const result = await deliverDigest({ store, config, at: NOW, digest, slack: FAST });
    expect(result.status).toBe("sent");
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(await posted(sandbox.url)).toHaveLength(1 + digest.thread.length);
  });

  it("gives up after a bounded number of rate-limited retries, keeps the digest and says so", async () => {
    sandbox.faults.add({ service: "slack", operation: "chat.postMessage", kind: "throttle" });
    const waits: number[] = [];
    const slack = { ...FAST, sleep: async (ms: number) => void waits.push(ms) };
    const result = await deliverDigest({ store, config, at: NOW, digest: digestOf(10), slack });
    expect(result.status).toBe("pending");
    expect(result.error).toContain("rate-limiting");
    expect(waits).toEqual([1000, 1000, 1000]);
    expect(result.pending).toEqual([NOW.toISOString()]);
  });

  it("keeps the digest in the ledger when Slack fails, and sends it, marked delayed, with the next run", async () => {
    sandbox.faults.add({ service: "slack", kind: "error" });
    const first = await deliverDigest({ store, config, at: NOW, digest: digestOf(30), slack: FAST });
    expect(first).toMatchObject({ status: "pending", pending: [NOW.toISOString()] });
    expect(first.error).toBe("Slack answered HTTP 500.");
    expect(await store.list("digests/pending/")).toHaveLength(1);
    expect(await posted(sandbox.url)).toHaveLength(0);

    sandbox.faults.clear();
    const next = new Date(NOW.getTime() + DAY);
    const second = await deliverDigest({ store, config, at: next, digest: digestOf(30, next), slack: FAST });
    expect(second).toMatchObject({ status: "sent", resent: [NOW.toISOString()], pending: [] });
    const tops = topLevel(await posted(sandbox.url));
    expect(tops.map((m) => m.text.slice(0, 50))).toEqual([
      "[delayed] Stagekeeper digest 2026-11-27: 30 stages",
      "Stagekeeper digest 2026-11-28: 30 stages, $3,622.3",
    ]);
    expect(JSON.stringify(tops[0]?.blocks)).toContain(
      "Delayed: this digest of Fri 27 Nov 2026 could not be sent then",
    );
    expect(await pendingDigests(store, next)).toHaveLength(0);
  });

  it("resumes a digest that failed halfway without posting its top-level message twice", async () => {
    // Two messages go through, then the channel is rate-limited for 100 s: longer than we wait.
    await control("slack/rate-limit", { perSecond: 0.01, burst: 2 });
    const digest = digestOf(200);
    const first = await deliverDigest({ store, config, at: NOW, digest, slack: FAST });
    expect(first.status).toBe("pending");
    expect(await posted(sandbox.url)).toHaveLength(2);

    await control("slack/rate-limit", { perSecond: 0 });
    const next = new Date(NOW.getTime() + DAY);
    const second = await deliverDigest({ store, config, at: next, digest: digestOf(5, next), slack: FAST });
    expect(second.resent).toEqual([NOW.toISOString()]);
    const messages = await posted(sandbox.url);
    const tops = topLevel(messages);
    expect(tops).toHaveLength(2);
    expect(repliesTo(messages, first.ts ?? "")).toHaveLength(digest.thread.length);
  });

  it("names the fix for a wrong token, a wrong channel and a missing token", async () => {
    const wrongToken = await deliverDigest({
      store,
      config,
      at: NOW,
      digest: digestOf(5),
      slack: { ...FAST, token: "xoxb-wrong" },
    });
    expect(wrongToken.status).toBe("pending");
    expect(wrongToken.error).toMatch(
      /^Slack refused the bot token \(invalid_auth\): set SLACK_BOT_TOKEN to the Bot User OAuth Token/,
    );

    const elsewhere = parseConfig({
      slack: { channel: "C0NOWHERE" },
      ledger: { bucket: "stagekeeper-ledger" },
    });
    const wrongChannel = await deliverDigest({
      store,
      config: elsewhere,
      at: NOW,
      digest: digestOf(5),
      slack: FAST,
    });
    expect(wrongChannel.error).toContain(
      'Slack has no channel "C0NOWHERE" that the bot can see (channel_not_found): set slack.channel',
    );

    delete process.env.SLACK_BOT_TOKEN;
    const missing = await deliverDigest({ store, config, at: NOW, digest: digestOf(5), slack: FAST });
    expect(missing.error).toMatch(/^SLACK_BOT_TOKEN is not set/);
    expect(await posted(sandbox.url)).toHaveLength(0);
  });

  it("skips delivery when no Slack channel is configured", async () => {
    const result = await deliverDigest({
      store,
      config: parseConfig({}),
      at: NOW,
      digest: digestOf(5),
      slack: FAST,
    });
    expect(result.status).toBe("skipped");
    expect(result.error).toContain('"slack": {"channel"');
  });
});
