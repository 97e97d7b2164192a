import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../sandbox/src/index.js";
import { targetLookup } from "../src/aws/targets.js";
import { keepStage } from "../src/ledger/keep.js";
import { recordKey, stageRecordSchema } from "../src/ledger/records.js";
import type { RemovalRequest } from "../src/removal/request.js";
import type { SlackReply } from "../src/slack/replies.js";
import { handleSlackAction, type SlackActionDeps } from "../src/slack/worker-action.js";
import { useSandboxEnv } from "./sandbox-env.js";
import {
  ADMIN,
  ALICE,
  auditOf,
  BOB,
  DEV,
  dailySnapshot,
  ledger,
  slackConfig,
  slackSeed,
} from "./slack-fixtures.js";

let sandbox: Sandbox;
let restore: () => void;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: slackSeed() });
  restore = useSandboxEnv(sandbox);
  await dailySnapshot(sandbox, slackConfig());
});
afterAll(async () => {
  restore();
  await sandbox.close();
});

const key = (stage: string) => ({ account: DEV, region: "us-east-1", app: "shop", stage });
const message = (stage: string, user = ADMIN) => ({
  kind: "slack-action",
  action: "remove",
  stage: key(stage),
  user,
  responseUrl: "https://hooks.slack.com/actions/T0/1/abc",
  requestedAt: "2026-11-20T09:00:00.000Z",
});

async function deps(extra: Record<string, unknown> = {}, startRemoval?: SlackActionDeps["startRemoval"]) {
  const config = slackConfig(extra);
  const started: RemovalRequest[] = [];
  const replies: SlackReply[] = [];
  const d: SlackActionDeps = {
    store: ledger(config),
    config,
    now: sandbox.clock.now(),
    target: await targetLookup(config, "us-east-1"),
    startRemoval:
      startRemoval ??
      (async (request) => {
        started.push(request);
      }),
    // What would go to response_url: the wire itself is covered by the end-to-end test.
    respond: async (_url, reply) => {
      replies.push(reply);
    },
  };
  return { d, started, replies };
}

describe("handleSlackAction (in the removal worker)", () => {
  it("refuses a malformed message without retrying it, audited", async () => {
    const { d, started } = await deps();
    for (const bad of [
      null,
      "text",
      { ...message("pr-7"), stage: { ...key("pr-7"), stage: "../../x" } },
      { ...message("pr-7"), responseUrl: "file:///etc/passwd" },
    ]) {
      expect(await handleSlackAction(d, bad)).toMatchObject({ outcome: "invalid" });
    }
    expect(started).toEqual([]);
    expect(
      (await auditOf(d.store)).filter((e) => e.reason.startsWith("invalid Slack action message")),
    ).toHaveLength(4);
  });

  it("authorises again: a user who lost the right since the click is refused", async () => {
    const { d, started, replies } = await deps({
      slack: { channel: "C0STAGES", admins: [], removers: "admins" },
    });
    const result = await handleSlackAction(d, message("alice", ALICE));
    expect(result).toMatchObject({
      outcome: "refused",
      reason: "removal from Slack refused: only the Stagekeeper admins may remove shop/alice",
    });
    expect(replies).toEqual([
      { replace_original: true, text: "Not removed: only the Stagekeeper admins may remove shop/alice." },
    ]);
    expect(started).toEqual([]);
  });

  it("in dry run, says what would happen and claims nothing", async () => {
    const { d, started, replies } = await deps({ dryRun: true });
    expect(await handleSlackAction(d, message("pr-7"))).toMatchObject({ outcome: "dry-run" });
    expect(replies[0]?.text).toContain("Dry run: `shop/pr-7` passed the safety gate");
    expect(started).toEqual([]);
    expect(await d.store.get(recordKey(key("pr-7")), stageRecordSchema)).toBeUndefined();
  });

  it("claims through the gate with the Slack user as trigger, and keeps the claim when starting fails", async () => {
    const { d, replies } = await deps({}, async () => {
      throw new Error("CodeBuild is down");
    });
    const result = await handleSlackAction(d, { ...message("alice", ALICE), actionTs: "1763629200.000100" });
    expect(result.outcome).toBe("claimed");
    expect(result.reason).toContain("starting it failed (CodeBuild is down); the next run starts it");
    expect(replies[0]?.text).toContain("passed the safety gate");
    const record = (await d.store.get(recordKey(key("alice")), stageRecordSchema))?.value;
    expect(record?.claim).toBe(result.removalId);
    expect(record?.attempts[0]?.trigger).toEqual({
      surface: "slack",
      by: ALICE,
      detail: "confirmed removal (click 1763629200.000100)",
    });
    const claimed = (await auditOf(d.store)).find((e) => e.action === "claimed" && e.stage === "alice");
    expect(claimed?.cost).toEqual({ last7Days: "10", monthToDate: "10" });
  });

  it("once claimed, a stage cannot be kept: the keep could not stop the build", async () => {
    const { d } = await deps();
    const request = {
      key: key("alice"),
      by: BOB,
      trigger: { surface: "slack" as const, by: BOB },
      now: d.now,
      maxKeepDays: 30,
    };
    const result = await keepStage(d.store, { ...request, until: new Date(d.now.getTime() + 86_400_000) });
    expect(result).toMatchObject({
      outcome: "refused",
      reason: expect.stringContaining("is already being removed"),
    });
    expect(await keepStage(d.store, { ...request, key: key("pr-7"), until: d.now })).toMatchObject({
      outcome: "refused",
      reason: expect.stringContaining("is not in the future"),
    });
  });

  it("shows the gate's refusal of a stage it cannot know, with the reason", async () => {
    const { d, replies } = await deps();
    const unknownApp = { ...message("pr-7"), stage: { ...key("pr-7"), app: "web" } };
    expect(await handleSlackAction(d, unknownApp)).toMatchObject({ outcome: "refused" });
    expect(replies[0]?.text).toBe(
      "Not removed (unknown): app web is not configured with a repository to run sst remove from",
    );
    const gone = await handleSlackAction(d, message("pr-404"));
    expect(gone).toMatchObject({
      outcome: "refused",
      reason: `${DEV}/us-east-1/shop/pr-404 has no SST state`,
    });
    expect(replies[1]?.text).toBe(`Not removed (not-found): ${DEV}/us-east-1/shop/pr-404 has no SST state`);
  });
});
