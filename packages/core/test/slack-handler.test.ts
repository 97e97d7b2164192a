import { describe, expect, it } from "vitest";
import { SLACK_ACTIONS, stageButtonValue } from "../src/slack/actions.js";
import { handleSlackRequest } from "../src/slack/handler.js";
import { ADMIN, ALICE, DEV } from "./slack-fixtures.js";
import { slackHarness } from "./slack-harness.js";

const PR12 = { account: DEV, region: "us-east-1", app: "shop", stage: "pr-12" };
const { h, send, command, reply, click, shown, nothingDone } = slackHarness();

describe("Slack requests: refused before anything is read", () => {
  const keep = command("keep shop/pr-7 3d");

  it.each([
    ["a forged signature", { headers: { "x-slack-signature": `v0=${"0".repeat(64)}` } }],
    ["another app's secret", { secret: "not-our-secret" }],
    ["a stale timestamp (a replay)", { timestamp: Math.floor(Date.parse("2026-11-20T08:54:00Z") / 1000) }],
    ["no signature", { headers: { "x-slack-signature": undefined } }],
    ["no timestamp", { headers: { "x-slack-request-timestamp": undefined } }],
    ["a malformed signature", { headers: { "x-slack-signature": "sha256=abc" } }],
  ])("answers 401 to %s and does nothing", async (_name, options) => {
    const response = await send(keep, options);
    expect(response.status).toBe(401);
    expect(response.body).toMatch(/^invalid request signature/);
    await nothingDone();
  });

  it("answers Slack's unsigned ssl_check probe and reads nothing else", async () => {
    const response = await handleSlackRequest(h.deps, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `ssl_check=1&token=x&${keep}`,
    });
    expect(response).toMatchObject({ status: 200, body: "" });
    await nothingDone();
  });

  it("acknowledges a slash-command retry (X-Slack-Retry-Num) and does nothing", async () => {
    const response = await send(keep, {
      headers: { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" },
    });
    expect(response).toMatchObject({ status: 200, body: "" });
    await nothingDone();
  });

  it("refuses other methods and oversized bodies", async () => {
    expect((await send(keep, { method: "GET" })).status).toBe(405);
    expect((await send(`${keep}&pad=${"x".repeat(600_000)}`)).status).toBe(413);
    await nothingDone();
  });
});

describe("Slack requests: bad input gets a short ephemeral help", () => {
  it.each([
    ["an unknown subcommand", command("destroy shop/pr-7"), "is not a /stages command"],
    ["a path in a name", command("remove ../../x"), "is not a stage"],
    ["a shell command in a name", command("keep a;rm 3d"), "is not a stage"],
    ["a 500-character text", command("x".repeat(500)), "too long"],
    ["an unknown stage", command("remove shop/pr-99", ADMIN), "No stage `shop/pr-99`"],
    ["a request with no user", command("list", "not a user"), "names no Slack user"],
    [
      "neither a command nor a click",
      "team_id=T0&user_id=U0ALICE",
      "neither a slash command nor a button click",
    ],
    ["a payload that is not JSON", "payload=%7Bnot%20json", "is not JSON"],
    [
      "a payload that is not block_actions",
      `payload=${encodeURIComponent(JSON.stringify({ type: "view_submission" }))}`,
      "not a button click",
    ],
  ])("for %s", async (_name, body, text) => {
    const response = await send(body);
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("application/json");
    const answer = reply(response);
    expect(answer.response_type).toBe("ephemeral");
    expect(answer.text).toContain(text);
    await nothingDone();
  });

  it("for a signed request with the wrong content type", async () => {
    const body = JSON.stringify({ command: "/stages", text: "keep shop/pr-7 3d", user_id: ALICE });
    const response = await send(body, { headers: { "content-type": "application/json" } });
    expect(reply(response).text).toContain("form-encoded");
    await nothingDone();
  });

  it.each([
    ["an unknown action", "stage_destroy_all", stageButtonValue(PR12)],
    [
      "a hostile stage in the value",
      SLACK_ACTIONS.confirmRemove,
      JSON.stringify({ ...PR12, stage: "../../x" }),
    ],
    ["a value that is not JSON", SLACK_ACTIONS.keep7d, "shop/pr-12"],
  ])("for a click with %s", async (_name, actionId, value) => {
    const response = await click(actionId, value);
    expect(reply(response).text).toContain("not one of Stagekeeper's");
    await nothingDone();
  });
});

describe("Slack requests: a ledger that cannot be read fails closed", () => {
  it("answers a command that nothing was done", async () => {
    h.sandbox.faults.add({ service: "s3", kind: "error" });
    try {
      const response = await send(command("keep shop/pr-7 3d"));
      expect(reply(response).text).toContain("nothing was done");
    } finally {
      h.sandbox.faults.clear();
    }
    await nothingDone();
  });

  it("tells the clicker through response_url, as Slack shows nothing of a click's answer", async () => {
    h.sandbox.faults.add({ service: "s3", kind: "error" });
    try {
      await click(SLACK_ACTIONS.keep7d, stageButtonValue(PR12), { actionTs: "1763629299.000001" });
    } finally {
      h.sandbox.faults.clear();
    }
    expect((await shown()).at(-1)?.text).toContain("Something went wrong with that click");
    await nothingDone();
  });
});
