import { describe, expect, it } from "vitest";
import { recordKey, stageRecordSchema } from "../src/ledger/records.js";
import { SLACK_ACTIONS, stageButtonValue } from "../src/slack/actions.js";
import { ADMIN, ALICE, auditOf, BOB, DEV, ledger, ledgerKeys, slackConfig } from "./slack-fixtures.js";
import { slackHarness } from "./slack-harness.js";

const PR12 = { account: DEV, region: "us-east-1", app: "shop", stage: "pr-12" };
const { h, send, command, reply, click, responseUrl, shown, nothingDone } = slackHarness();

describe("Slack requests: keep", () => {
  it("keeps inline, audited, within the maximum, and never twice", async () => {
    const started = performance.now();
    const first = reply(await send(command("keep shop/pr-12 3d client demo", BOB)));
    const elapsed = performance.now() - started;
    expect(first.text).toBe(
      "Kept `shop/pr-12` until 2026-11-23 09:00 UTC (client demo). It will not be removed before then.",
    );
    expect(elapsed).toBeLessThan(1000);
    const record = await h.deps.store.get(recordKey(PR12), stageRecordSchema);
    expect(record?.value.keep).toMatchObject({
      until: expect.stringMatching(/^2026-11-23T09:00/),
      by: BOB,
      reason: "client demo",
    });
    const again = reply(await send(command("keep shop/pr-12 3d", BOB)));
    expect(again.text).toContain("already kept until 2026-11-23 09:00 UTC by <@U0BOB>");
    const kept = (await auditOf(h.deps.store)).filter((e) => e.action === "kept" && e.stage === "pr-12");
    expect(kept).toHaveLength(1);
    expect(kept[0]?.trigger).toEqual({ surface: "slack", by: BOB, detail: "/stages keep" });

    expect(reply(await send(command("keep shop/pr-12 31d", BOB))).text).toContain(
      "a keep lasts at most 30 days",
    );
    expect(reply(await send(command("keep shop/production 3d", BOB))).text).toContain(
      "never removed, so it needs no keep",
    );

    expect(reply(await send(command("unkeep shop/pr-12", ALICE))).text).toContain(
      "The keep stays: only <@U0BOB>, who kept it",
    );
    expect(reply(await send(command("unkeep shop/pr-12", BOB))).text).toContain(
      "Ended the keep of `shop/pr-12`",
    );
    expect((await h.deps.store.get(recordKey(PR12), stageRecordSchema))?.value.keep).toBeUndefined();
    expect((await auditOf(h.deps.store)).filter((e) => e.action === "unkept")).toHaveLength(1);
  });
});

describe("Slack requests: reads from the latest run", () => {
  it("lists, prices and reports status", async () => {
    const list = reply(await send(command("list shop pr")));
    expect(list.text).toContain("*2 stages* (app shop, kind pr)");
    expect(JSON.stringify(list.blocks)).toContain("`shop/pr-12` pr · keep · $6.17 / 7 days");
    expect(reply(await send(command("list personal"))).text).toContain("*2 stages* (kind personal)");
    expect(reply(await send(command("list api"))).text).toContain("*1 stage* (app api)");

    const cost = reply(await send(command("cost shop/alice")));
    expect(cost.text).toContain("Yesterday $2.00 · last 7 days $10.00 · this month so far $10.00");
    expect(cost.text).toContain("about $42.86 a month at the 7-day rate");

    const ambiguous = reply(await send(command("cost pr-12")));
    expect(ambiguous.text).toContain("matches 2 stages");
    expect(ambiguous.text).toContain(`\`${DEV}/eu-west-1/api/pr-12\``);
    expect(reply(await send(command("cost eu-west-1/api/pr-12"))).text).toContain("*api/pr-12* (pr)");

    const status = reply(await send(command("status")));
    expect(status.text).toContain("*6 stages:* 4 keep, 2 protected");
    await nothingDone();
  });
});

describe("Slack requests: remove asks first, then hands over", () => {
  it("shows a confirmation with the monthly cost and buttons carrying the stage", async () => {
    const answer = reply(await send(command("remove shop/alice", ALICE)));
    expect(answer.text).toContain("Remove *shop/alice* (personal)");
    expect(answer.text).toContain("about *$42.86 a month*");
    const actions = answer.blocks?.find((b) => (b as { type: string }).type === "actions") as {
      elements: { action_id: string; value: string }[];
    };
    expect(actions.elements.map((e) => e.action_id)).toEqual(["stage_remove_confirm", "stage_remove_cancel"]);
    for (const element of actions.elements) {
      expect(element.value.length).toBeLessThanOrEqual(2000);
      expect(JSON.parse(element.value)).toEqual({
        account: DEV,
        region: "us-east-1",
        app: "shop",
        stage: "alice",
      });
    }
    await nothingDone();
  });

  it("refuses the unauthorised (audited), permanent and protected stages up front", async () => {
    expect(reply(await send(command("remove shop/alice", BOB))).text).toContain(
      "Not removed: only the Stagekeeper admins and the stage's owner <@U0ALICE> may remove shop/alice",
    );
    const refused = (await auditOf(h.deps.store)).filter(
      (e) => e.action === "refused" && e.trigger.by === BOB,
    );
    expect(refused.at(-1)).toMatchObject({ stage: "alice", trigger: { surface: "slack", by: BOB } });
    expect(reply(await send(command("remove shop/production", ADMIN))).text).toContain(
      "permanent stages are never removed",
    );
    expect(reply(await send(command("remove shop/carol", ADMIN))).text).toContain("carol is protected");
    expect(h.enqueued).toEqual([]);
  });

  it("enqueues a confirmed click once, however often it is delivered, and answers through response_url", async () => {
    const url = await responseUrl();
    const value = stageButtonValue(PR12);
    const first = await click(SLACK_ACTIONS.confirmRemove, value, { url, actionTs: "1763629201.000001" });
    expect(first).toMatchObject({ status: 200, body: "" });
    const repeat = await click(SLACK_ACTIONS.confirmRemove, value, { url, actionTs: "1763629201.000001" });
    expect(repeat).toMatchObject({ status: 200, body: "" });
    expect(h.enqueued).toEqual([
      {
        kind: "slack-action",
        action: "remove",
        stage: PR12,
        user: ADMIN,
        responseUrl: url,
        requestedAt: expect.stringMatching(/^2026-11-20T09:/),
        actionTs: "1763629201.000001",
      },
    ]);
    const messages = await shown();
    expect(messages.at(-1)?.text).toBe(
      "Removal of `shop/pr-12` requested by <@U0ADMIN>: the safety gate checks it now…",
    );
    expect((await ledgerKeys(h.deps.store)).filter((k) => k.startsWith("slack/actions/"))).toHaveLength(
      h.before.filter((k) => k.startsWith("slack/actions/")).length + 1,
    );
  });

  it("cancels without doing anything, and refuses an unauthorised confirm", async () => {
    await click(SLACK_ACTIONS.cancelRemove, stageButtonValue(PR12), { actionTs: "1763629202.000001" });
    expect((await shown()).at(-1)?.text).toBe("Cancelled: `shop/pr-12` is not removed.");
    await click(SLACK_ACTIONS.confirmRemove, stageButtonValue(PR12), {
      user: BOB,
      actionTs: "1763629203.000001",
    });
    expect((await shown()).at(-1)?.text).toContain(
      "Not removed: only the Stagekeeper admins may remove shop/pr-12",
    );
    expect(h.enqueued).toEqual([]);
  });

  it("tells the person when the removal could not be handed to the worker", async () => {
    h.deps.enqueue = async () => {
      throw new Error("queue down");
    };
    await click(SLACK_ACTIONS.confirmRemove, stageButtonValue(PR12), { actionTs: "1763629204.000001" });
    expect((await shown()).at(-1)?.text).toContain(
      "Nothing was removed: the request for `shop/pr-12` could not be handed to the removal worker",
    );
  });
});

describe("Slack requests: no run yet", () => {
  it("says so instead of guessing", async () => {
    const empty = slackConfig({ ledger: { bucket: "stagekeeper-empty" } });
    h.deps = { ...h.deps, config: empty, store: ledger(empty) };
    expect(reply(await send(command("list"))).text).toContain("No run has been recorded yet");
  });
});
