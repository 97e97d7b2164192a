import { describe, expect, it } from "vitest";
import { checkBlocks } from "../../sandbox/src/services/slack/blocks.js";
import { parseMoney } from "../src/money/index.js";
import { SLACK_LIMITS, type SlackMessage, textLength } from "../src/report/blocks.js";
import type { ReportData } from "../src/report/data.js";
import { digestBlocks } from "../src/report/digest.js";
import { esc, slackLink } from "../src/report/format.js";
import { digestText } from "../src/report/text.js";
import { SLACK_ACTIONS } from "../src/slack/actions.js";
import { fixtureReport, NOW } from "./report-fixtures.js";

const all = (d: { thread: SlackMessage[] } & SlackMessage) => [d, ...d.thread];
const texts = (m: SlackMessage) => JSON.stringify(m.blocks);
const buttons = (m: SlackMessage) =>
  m.blocks
    .filter((b) => b.type === "actions")
    .flatMap((b) => b.elements as { action_id: string; value: string; text: { text: string } }[]);

function expectWithinLimits(message: SlackMessage) {
  expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  expect(textLength(message.blocks)).toBeLessThanOrEqual(SLACK_LIMITS.blocksText);
  expect(message.text.length).toBeLessThanOrEqual(SLACK_LIMITS.messageText);
  // Slack's own rules, as the sandbox enforces them (WIRE.md §6.1).
  expect(checkBlocks(message.blocks)).toMatchObject({ ok: true });
}

describe("digestBlocks", () => {
  it("stays within Slack's limits at 2,000 stages and summarises what does not fit", () => {
    const data = fixtureReport(2000);
    const digest = digestBlocks(data, {
      dashboardUrl: "https://ledger.example/dashboard/index.html?X-Amz-Signature=abc&x=1",
    });
    for (const message of all(digest)) expectWithinLimits(message);
    const expiring = data.stages.filter((s) => s.decision === "expiring").length;
    expect(expiring).toBeGreaterThan(250);
    const thread = digest.thread[0] as SlackMessage;
    const shown = buttons(thread).filter((b) => b.action_id === SLACK_ACTIONS.keep7d).length;
    expect(shown).toBeGreaterThan(10);
    expect(texts(thread)).toContain(
      `and ${(expiring - shown).toLocaleString("en-US")} more expiring stages — see the dashboard`,
    );
    // Every list that overflowed says so; nothing is cut silently.
    const notes = all(digest).flatMap((m) => texts(m).match(/…and [\d,]+ more[^"]*see the dashboard/g) ?? []);
    expect(notes.length).toBeGreaterThanOrEqual(3);
  });

  it("fits every estate size from 0 to 2,000 stages", () => {
    for (const size of [0, 1, 5, 40, 300, 1000]) {
      const digest = digestBlocks(fixtureReport(size, size + 1, size % 2 === 0));
      for (const message of all(digest)) expectWithinLimits(message);
    }
  });

  it("shows the date, accounts, totals with the change against 7 days ago, and the top spenders by 7-day cost", () => {
    const data = fixtureReport(60);
    const digest = digestBlocks(data);
    const top = texts(digest);
    expect(digest.blocks[0]).toMatchObject({
      type: "header",
      text: { text: "Stagekeeper digest · Fri 27 Nov 2026" },
    });
    expect(top).toContain("*Accounts:* 111111111111 (eu-west-1, us-east-1) · 222222222222");
    expect(top).toContain("222222222222");
    // The fixture's week-ago run spent 10% less: 1/0.9 = +11%.
    expect(top).toContain("▲ 11% vs the run 7 days ago");
    expect(top).toContain(`*Stages*\\n60 (+3 vs 7 days ago)`);
    const spenders = [...data.stages].sort((a, b) =>
      Number((b.cost?.last7Days ?? 0n) - (a.cost?.last7Days ?? 0n)),
    );
    const first = spenders[0];
    expect(top).toContain(`1. *${first?.app}/${first?.stage}*`);
    expect(top).toContain("*Stages by kind:*");
    expect(digest.text).toMatch(
      /^Stagekeeper digest 2026-11-27: 60 stages, \$[\d,.]+ month to date, \d+ expiring/,
    );
  });

  it("mentions owners of expiring stages and gives them Keep 7 days / Remove now buttons carrying the stage key", () => {
    const data = fixtureReport(60);
    const digest = digestBlocks(data);
    const thread = digest.thread[0] as SlackMessage;
    const owned = data.stages.find((s) => s.decision === "expiring" && s.owner);
    expect(owned).toBeDefined();
    expect(texts(thread)).toContain(`<@${owned?.owner}>`);
    const all = buttons(thread);
    expect(new Set(all.map((b) => b.action_id))).toEqual(new Set(["stage_keep_7d", "stage_remove_now"]));
    expect(all.map((b) => b.text.text)).toContain("Keep 7 days");
    const values = all.map((b) => JSON.parse(b.value));
    expect(values[0]).toEqual({
      account: expect.stringMatching(/^\d{12}$/),
      region: expect.any(String),
      app: expect.any(String),
      stage: expect.any(String),
    });
    const expiring = data.stages.filter((s) => s.decision === "expiring").map((s) => `${s.app}/${s.stage}`);
    expect(values.every((v) => expiring.includes(`${v.app}/${v.stage}`))).toBe(true);
  });

  it("reports removals since the last digest with the spend avoided (7-day cost × 30/7)", () => {
    const data: ReportData = {
      ...fixtureReport(20),
      removals: [
        {
          account: "111111111111",
          region: "us-east-1",
          app: "shop",
          stage: "pr-12",
          at: new Date(NOW.getTime() - 3_600_000),
          outcome: "removed",
          removalId: "r1",
          by: "schedule: daily run",
          last7Days: parseMoney("8.6415"),
        },
        {
          account: "111111111111",
          region: "us-east-1",
          app: "shop",
          stage: "pr-3",
          at: new Date(NOW.getTime() - 9 * 86_400_000),
          outcome: "removed",
          removalId: "r0",
          by: "slack: U0ALICE",
          last7Days: parseMoney("70"),
        },
      ],
    };
    const digest = digestBlocks(data);
    expect(texts(digest)).toContain(
      "1 stage removed since the last digest, avoiding about $37.04 per 30 days",
    );
    const removals = digest.thread.find((m) => m.text.startsWith("Removals")) as SlackMessage;
    expect(texts(removals)).toContain("*shop/pr-12* 111111111111 us-east-1");
    expect(texts(removals)).toContain("$8.64 last 7 days → about $37.04 per 30 days");
    // Removed before the last digest: already reported then.
    expect(texts(removals)).not.toContain("pr-3*");
  });

  it("lists failures, locked, orphaned and unknown stages, untagged spend and the inactive cost tag", () => {
    const digest = digestBlocks(fixtureReport(200));
    const joined = all(digest).map(texts).join("\n");
    expect(joined).toContain("Needs a person");
    expect(joined).toContain("Removals that gave up");
    expect(joined).toContain("Failed attempts since the last digest (1)");
    expect(joined).toContain("ThrottledException: Rate exceeded");
    expect(joined).toContain("bad$name.json");
    expect(joined).toMatch(/:lock: \*Locked \(\d+\)\*/);
    expect(joined).toMatch(/:ghost: \*Orphaned \(\d+\)\*/);
    expect(joined).toMatch(/:grey_question: \*Unknown \(\d+\)\*/);
    expect(joined).toContain("111111111111: $33.95 last 7 days");
    expect(texts(digest)).toContain("Cost allocation tag `sst:stage` is not active in 222222222222");
    expect(joined).toContain("Refused by the safety gate (1)");
  });

  it("puts a dry-run banner first and says what would be removed", () => {
    const data = fixtureReport(40, 3, true);
    const digest = digestBlocks(data);
    expect(JSON.stringify(digest.blocks[1])).toContain("*Dry run* — Stagekeeper changed nothing");
    expect(digest.text).toContain("(dry run)");
    expect(digestBlocks(fixtureReport(40, 3, false)).blocks[1]?.type).not.toBe("section");
  });

  it("links the dashboard, escaping the URL for Slack, and says why when there is none", () => {
    const url =
      "https://bucket.s3.amazonaws.com/dashboard/index.html?X-Amz-Expires=604800&X-Amz-Signature=ab";
    expect(texts(digestBlocks(fixtureReport(5), { dashboardUrl: url }))).toContain(
      "<https://bucket.s3.amazonaws.com/dashboard/index.html?X-Amz-Expires=604800&amp;X-Amz-Signature=ab|Open the dashboard>",
    );
    expect(
      texts(digestBlocks(fixtureReport(5), { dashboardNote: "the upload failed: AccessDenied" })),
    ).toContain("Dashboard: the upload failed: AccessDenied");
    expect(slackLink("https://x/?a=<b>|c", "go")).toBe("<https://x/?a=%3Cb%3E%7Cc|go>");
  });

  it("escapes text it did not write: no mention, link or markup can be injected", () => {
    const data = fixtureReport(10);
    const hostile = data.stages[0];
    if (!hostile) throw new Error("no stage");
    hostile.decision = "unknown";
    hostile.reason = "<!channel> look <https://evil.example|here> & \u0007bell";
    const joined = all(digestBlocks({ ...data, totals: { ...data.totals } }))
      .map(texts)
      .join("");
    expect(joined).not.toContain("<!channel>");
    expect(joined).not.toContain("<https://evil.example");
    expect(joined).toMatch(/&lt;!channel&gt; look &lt;https:\/\/evil.example\|here&gt; &amp; +bell/);
    expect(esc("x".repeat(500), 10)).toBe(`${"x".repeat(9)}…`);
  });

  it("renders the same messages as text for a terminal", () => {
    const text = digestText(digestBlocks(fixtureReport(30), { dashboardUrl: "https://d.example/?a=1&b=2" }));
    expect(text).toContain("Stagekeeper digest · Fri 27 Nov 2026\n====");
    expect(text).toContain("Open the dashboard (https://d.example/?a=1&b=2)");
    expect(text).toContain("[Keep 7 days] [Remove now]");
    expect(text).toMatch(/@U0OWNER\d+/);
    expect(text).not.toMatch(/<@|&amp;|\*Stages\*/);
    expect(text).toContain("  │ ");
  });
});
