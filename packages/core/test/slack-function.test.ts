import { describe, expect, it } from "vitest";
import { handler } from "../../functions/src/slack.js";
import { withSandbox } from "../../sandbox/test/fixtures.js";
import { useSandboxEnv } from "./sandbox-env.js";
import { ALICE, CHANNEL, dailySnapshot, SECRET, sign, slackConfig, slackSeed } from "./slack-fixtures.js";

describe("the Slack function (Function URL, payload format 2.0)", () => {
  it("passes the raw body, base64 or not, to core and maps the answer", async () => {
    await withSandbox(slackSeed(), async (sandbox) => {
      const restore = useSandboxEnv(sandbox);
      const saved = { secret: process.env.SLACK_SIGNING_SECRET, config: process.env.STAGEKEEPER_CONFIG };
      delete process.env.SLACK_SIGNING_SECRET;
      // Without its secret the function refuses everything (and tries again on the next request).
      expect(await handler({ body: "", requestContext: { http: { method: "POST" } } })).toMatchObject({
        statusCode: 500,
      });
      process.env.SLACK_SIGNING_SECRET = SECRET;
      process.env.STAGEKEEPER_CONFIG = JSON.stringify({
        ledger: { bucket: "stagekeeper-ledger" },
        removal: { project: "stagekeeper-remove" },
        slack: { channel: CHANNEL },
      });
      try {
        await dailySnapshot(sandbox, slackConfig());
        const body = new URLSearchParams({
          command: "/stages",
          text: "cost shop/alice",
          user_id: ALICE,
        }).toString();
        // Function URLs sign nothing themselves; the handler checks Slack's signature against real time.
        const timestamp = Math.floor(Date.now() / 1000);
        const event = (encoded: boolean, signature = sign(body, timestamp)) => ({
          body: encoded ? Buffer.from(body).toString("base64") : body,
          isBase64Encoded: encoded,
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": String(timestamp),
            "x-slack-signature": signature,
          },
          requestContext: { http: { method: "POST" } },
        });
        for (const encoded of [false, true]) {
          const result = await handler(event(encoded));
          expect(result.statusCode).toBe(200);
          expect(result.headers["content-type"]).toBe("application/json");
          expect(JSON.parse(result.body).text).toContain("*shop/alice* (personal)");
        }
        expect((await handler(event(false, sign(body, timestamp, "forged")))).statusCode).toBe(401);
        expect(
          (await handler({ ...event(false), requestContext: { http: { method: "GET" } } })).statusCode,
        ).toBe(405);
      } finally {
        for (const [name, value] of [
          ["SLACK_SIGNING_SECRET", saved.secret],
          ["STAGEKEEPER_CONFIG", saved.config],
        ] as const) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
        restore();
      }
    });
  });
});
