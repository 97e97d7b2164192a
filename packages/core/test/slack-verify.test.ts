import { describe, expect, it } from "vitest";
import { slackSignature, verifySlackSignature } from "../src/slack/verify.js";

// Slack's documented example ("Verifying requests from Slack"): secret, timestamp, raw body and signature.
const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const TIMESTAMP = "1531420618";
const BODY =
  "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
const AT = new Date(Number(TIMESTAMP) * 1000);

const verify = (overrides: Partial<Parameters<typeof verifySlackSignature>[0]> = {}) =>
  verifySlackSignature({
    secret: SECRET,
    timestamp: TIMESTAMP,
    signature: SIGNATURE,
    rawBody: BODY,
    now: AT,
    ...overrides,
  });

describe("Slack request signatures (v0)", () => {
  it("computes Slack's documented example signature", () => {
    expect(slackSignature(SECRET, TIMESTAMP, BODY)).toBe(SIGNATURE);
    expect(slackSignature(SECRET, TIMESTAMP, Buffer.from(BODY))).toBe(SIGNATURE);
  });

  it("accepts the documented request within five minutes either side", () => {
    expect(verify()).toEqual({ ok: true });
    expect(verify({ now: new Date(AT.getTime() + 300_000) })).toEqual({ ok: true });
    expect(verify({ now: new Date(AT.getTime() - 300_000) })).toEqual({ ok: true });
  });

  it("refuses a replay older than five minutes, and a timestamp from too far ahead", () => {
    expect(verify({ now: new Date(AT.getTime() + 301_000) })).toEqual({
      ok: false,
      reason: "stale timestamp",
    });
    expect(verify({ now: new Date(AT.getTime() - 301_000) })).toEqual({
      ok: false,
      reason: "stale timestamp",
    });
  });

  it("refuses a changed body, another secret, or a changed timestamp", () => {
    expect(verify({ rawBody: BODY.replace("text=", "text=remove") })).toMatchObject({
      reason: "signature mismatch",
    });
    expect(verify({ secret: "another-secret" })).toMatchObject({ reason: "signature mismatch" });
    expect(verify({ timestamp: "1531420619" })).toMatchObject({ reason: "signature mismatch" });
    // A body decoded and re-encoded differently is not the raw body Slack signed.
    const reencoded = new URLSearchParams(BODY).toString().replace(/%2F/g, "/");
    expect(verify({ rawBody: reencoded })).toMatchObject({ reason: "signature mismatch" });
  });

  it.each([
    ["no timestamp", { timestamp: undefined }, "unsigned request"],
    ["no signature", { signature: undefined }, "unsigned request"],
    ["a non-numeric timestamp", { timestamp: "1531420618.5" }, "malformed timestamp"],
    ["an empty timestamp", { timestamp: "" }, "malformed timestamp"],
    ["version v1", { signature: SIGNATURE.replace("v0=", "v1=") }, "malformed signature"],
    ["a short signature", { signature: SIGNATURE.slice(0, -2) }, "malformed signature"],
    ["a long signature", { signature: `${SIGNATURE}00` }, "malformed signature"],
    ["upper-case hex", { signature: SIGNATURE.toUpperCase().replace("V0=", "v0=") }, "malformed signature"],
    ["no secret configured", { secret: "" }, "no signing secret is configured"],
  ])("refuses %s", (_name, overrides, reason) => {
    expect(verify(overrides)).toEqual({ ok: false, reason });
  });
});
