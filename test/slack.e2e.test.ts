import { WebClient } from "@slack/web-api";
import { describe, expect, it } from "vitest";
import { recordKey, stageRecordSchema } from "../packages/core/src/ledger/records.js";
import { SLACK_ACTIONS, stageButtonValue } from "../packages/core/src/slack/actions.js";
import {
  ADMIN,
  ALICE,
  auditOf,
  BOB,
  CHANNEL,
  ledgerKeys,
  slackDeps,
} from "../packages/core/test/slack-fixtures.js";
import {
  confirmBlocks,
  digestBlocks,
  key,
  type World,
  withButton,
  withSlack,
} from "../packages/core/test/slack-world.js";

/** Posts a message to the channel as the bot, through the real Slack client; its `ts`. */
async function post(
  world: World,
  text: string,
  blocks: ReturnType<typeof confirmBlocks> | ReturnType<typeof digestBlocks>,
): Promise<string> {
  const slack = new WebClient("xoxb-sandbox", {
    slackApiUrl: world.sandbox.env.SLACK_API_URL,
    retryConfig: { retries: 0 },
  });
  const posted = await slack.chat.postMessage({ channel: CHANNEL, text, blocks });
  return posted.ts as string;
}

describe("/stages end to end: reads", () => {
  it("answers list, cost and status from the latest run well within 3 seconds", async () => {
    await withSlack(async (world) => {
      for (const [text, expected] of [
        ["list shop", "*5 stages* (app shop)"],
        ["cost shop/pr-12", "*shop/pr-12* (pr) in 111111111111/us-east-1"],
        ["status", "*6 stages:*"],
        ["help", "`/stages list [APP] [KIND]`"],
      ]) {
        const result = await world.command(text as string, ALICE);
        expect(result.status).toBe(200);
        expect(result.elapsedMs).toBeLessThan(3000);
        expect(result.json?.response_type).toBe("ephemeral");
        expect(result.json?.text).toContain(expected);
      }
      expect((await world.messages()).map((m) => m.ephemeral)).toEqual([ALICE, ALICE, ALICE, ALICE]);
    });
  });
});

describe("/stages end to end: signatures and retries", () => {
  it("refuses forged, stale and missing signatures with 401, writing nothing", async () => {
    await withSlack(async (world) => {
      const before = await ledgerKeys(slackDeps(world.sandbox, world.config).deps.store);
      const now = Math.floor(world.sandbox.clock.now().getTime() / 1000);
      for (const extra of [
        { signingSecret: "forged-secret" },
        { timestamp: now - 6 * 60 },
        { headers: { "x-slack-signature": "" } },
        { headers: { "x-slack-request-timestamp": "" } },
      ]) {
        const result = await world.command("keep shop/pr-7 3d", ALICE, extra);
        expect(result.status).toBe(401);
      }
      expect(await ledgerKeys(slackDeps(world.sandbox, world.config).deps.store)).toEqual(before);
      expect(await world.queued()).toEqual([]);
      expect(await world.messages()).toEqual([]);
    });
  });

  it("acknowledges a retried slash command and does not act on it", async () => {
    await withSlack(async (world) => {
      const retry = await world.command("keep shop/pr-7 3d", ALICE, {
        headers: { "x-slack-retry-num": "1" },
      });
      expect(retry).toMatchObject({ status: 200, body: "" });
      const store = slackDeps(world.sandbox, world.config).deps.store;
      expect(await store.get(recordKey(key("pr-7")), stageRecordSchema)).toBeUndefined();
    });
  });
});

describe("/stages end to end: remove", () => {
  it("confirms, queues, passes the gate in the worker and reports through response_url; a double click claims once", async () => {
    await withSlack(async (world) => {
      const asked = await world.command("remove shop/pr-7", ADMIN);
      expect(asked.json?.text).toContain("Remove *shop/pr-7* (pr)");
      const confirmation = await withButton(world, SLACK_ACTIONS.confirmRemove, ADMIN);
      expect(await world.queued()).toEqual([]);

      const first = await world.click(SLACK_ACTIONS.confirmRemove, confirmation.ts, ADMIN);
      // The first click's answer took the buttons away; a second click that was already on its way carries
      // the same button value without the message.
      expect((await world.messages()).find((m) => m.ts === confirmation.ts)?.blocks).toBeUndefined();
      const second = await world.click(SLACK_ACTIONS.confirmRemove, "", ADMIN, {
        value: stageButtonValue(key("pr-7")),
      });
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(first.elapsedMs).toBeLessThan(3000);

      const results = await world.work();
      expect(results.map((r) => r.outcome)).toEqual(["claimed", "refused"]);
      expect(results[1]?.reason).toContain("already being removed");

      const store = slackDeps(world.sandbox, world.config).deps.store;
      const record = (await store.get(recordKey(key("pr-7")), stageRecordSchema))?.value;
      expect(record?.claim).toBe(results[0]?.removalId);
      expect(record?.attempts).toHaveLength(1);
      expect(record?.attempts[0]?.trigger).toMatchObject({ surface: "slack", by: ADMIN });
      expect(await world.queued()).toEqual([{ removalId: results[0]?.removalId, ...key("pr-7") }]);

      const claimed = (await auditOf(store)).filter((e) => e.action === "claimed");
      expect(claimed).toEqual([
        expect.objectContaining({
          stage: "pr-7",
          trigger: expect.objectContaining({ surface: "slack", by: ADMIN }),
        }),
      ]);
      const replaced = (await world.messages()).find((m) => m.ts === confirmation.ts);
      expect(replaced?.text).toMatch(
        /^Removing `shop\/pr-7` in 111111111111\/us-east-1, confirmed by <@U0ADMIN> \(removal /,
      );
      expect((await world.messages()).at(-1)?.text).toMatch(
        /^Not removed: pr-7 is already being removed \(removal /,
      );
    });
  });

  it("refuses an unauthorised user, up front and at Confirm", async () => {
    await withSlack(async (world) => {
      const asked = await world.command("remove shop/alice", BOB);
      expect(asked.json?.text).toBe(
        "Not removed: only the Stagekeeper admins and the stage's owner <@U0ALICE> may remove shop/alice.",
      );
      await world.command("remove shop/alice", ALICE);
      const confirmation = await withButton(world, SLACK_ACTIONS.confirmRemove, ALICE);
      await world.click(SLACK_ACTIONS.confirmRemove, confirmation.ts, BOB);
      expect((await world.messages()).at(-1)?.text).toBe(
        "Not removed: only the Stagekeeper admins and the stage's owner <@U0ALICE> may remove shop/alice.",
      );
      expect(await world.queued()).toEqual([]);
    });
  });

  it("keeps a stage, and the gate then refuses its removal as kept", async () => {
    await withSlack(async (world) => {
      await world.command("remove shop/alice", ALICE);
      const confirmation = await withButton(world, SLACK_ACTIONS.confirmRemove, ALICE);
      const kept = await world.command("keep shop/alice 3d on holiday", BOB);
      expect(kept.json?.text).toMatch(/^Kept `shop\/alice` until 2026-11-23 09:0\d UTC \(on holiday\)/);
      await world.click(SLACK_ACTIONS.confirmRemove, confirmation.ts, ALICE);
      const [result] = await world.work();
      expect(result).toMatchObject({ outcome: "refused" });
      expect(result?.reason).toMatch(/^alice is kept until 2026-11-23 09:0\d UTC by U0BOB$/);
      const replaced = (await world.messages()).find((m) => m.ts === confirmation.ts);
      expect(replaced?.text).toMatch(/^Not removed \(kept\): alice is kept until/);
      expect(await world.queued()).toEqual([]);
      const store = slackDeps(world.sandbox, world.config).deps.store;
      expect((await auditOf(store)).map((e) => e.action)).toEqual(
        expect.arrayContaining(["kept", "refused"]),
      );
    });
  });

  it("refuses a protected stage with its reason, up front and in the gate", async () => {
    await withSlack(async (world) => {
      const asked = await world.command("remove shop/carol", ADMIN);
      expect(asked.json?.text).toBe(
        "Not removed: carol is protected: its SST config sets protect (_protect in state).",
      );
      // A confirmation made before protect was turned on still meets the gate, which reads the state again.
      const posted = await post(world, "old confirmation", confirmBlocks("carol"));
      await world.click(SLACK_ACTIONS.confirmRemove, posted, ADMIN);
      const [result] = await world.work();
      expect(result).toMatchObject({
        outcome: "refused",
        reason: expect.stringContaining("carol is protected"),
      });
      expect((await world.messages()).find((m) => m.ts === posted)?.text).toMatch(
        /^Not removed \(protected\): carol is protected/,
      );
    });
  });
});

describe("/stages end to end: the digest's buttons", () => {
  it("keeps for 7 days, and Remove now asks for confirmation (refused while kept)", async () => {
    await withSlack(async (world) => {
      const ts = await post(world, "digest", digestBlocks("pr-12"));

      const now = await world.click(SLACK_ACTIONS.removeNow, ts, ADMIN);
      expect(now.status).toBe(200);
      const confirmation = await withButton(world, SLACK_ACTIONS.confirmRemove, ADMIN);
      expect(confirmation.text).toContain("Remove *shop/pr-12* (pr)");

      const keep = await world.click(SLACK_ACTIONS.keep7d, ts, BOB);
      expect(keep.status).toBe(200);
      expect(keep.elapsedMs).toBeLessThan(3000);
      const store = slackDeps(world.sandbox, world.config).deps.store;
      const record = (await store.get(recordKey(key("pr-12")), stageRecordSchema))?.value;
      expect(record?.keep).toMatchObject({ by: BOB, until: expect.stringMatching(/^2026-11-27T09:0/) });
      await world.click(SLACK_ACTIONS.keep7d, ts, BOB);
      expect((await auditOf(store)).filter((e) => e.action === "kept")).toHaveLength(1);
      const texts = (await world.messages()).filter((m) => m.ephemeral === BOB).map((m) => m.text);
      expect(texts[0]).toMatch(/^Kept `shop\/pr-12` until 2026-11-27 09:0\d UTC/);
      expect(texts[1]).toMatch(/already kept until/);

      await world.click(SLACK_ACTIONS.removeNow, ts, ADMIN);
      expect((await world.messages()).at(-1)?.text).toMatch(
        /^Not removed: `shop\/pr-12` is kept until 2026-11-27 09:0\d UTC by <@U0BOB>/,
      );
      expect(await world.queued()).toEqual([]);
    });
  });
});
