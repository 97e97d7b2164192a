import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import type { Sandbox } from "../src/index.js";
import { signGitHubPayload } from "../src/services/github.js";
import { clientConfig, testSeed, withSandbox } from "./fixtures.js";

function githubSeed() {
  return testSeed({
    github: {
      pulls: [
        { repository: "acme/shop", number: 12, state: "open", author: "alice" },
        {
          repository: "acme/shop",
          number: 5,
          state: "closed",
          merged: true,
          closedAt: "2026-11-18T16:30:00Z",
        },
        { repository: "acme/api", number: 3, state: "closed", closedAt: "2026-11-19T10:00:00Z" },
      ],
    },
  });
}

async function get(sandbox: Sandbox, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${sandbox.url}${path}`, {
    headers: { accept: "application/vnd.github+json", ...headers },
  });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as Record<string, unknown>,
  };
}

async function post(sandbox: Sandbox, route: string, body: unknown) {
  const response = await fetch(`${sandbox.url}${route}`, { method: "POST", body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** A webhook receiver that keeps every request byte for byte. */
async function receiver(answer: (body: string) => { status: number; body: string; delayMs?: number }) {
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({ headers: req.headers, body });
      const reply = answer(body);
      setTimeout(() => {
        res.writeHead(reply.status, { "content-type": "application/json" });
        res.end(reply.body);
      }, reply.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("GitHub REST API: GET /repos/{owner}/{repo}/pulls/{number}", () => {
  it("answers the seed's pull requests in GitHub's shape, with rate-limit headers", async () => {
    await withSandbox(githubSeed(), async (sandbox) => {
      const open = await get(sandbox, "/repos/acme/shop/pulls/12");
      expect(open.status).toBe(200);
      expect(open.headers.get("content-type")).toBe("application/json; charset=utf-8");
      expect(open.headers.get("x-ratelimit-limit")).toBe("60");
      expect(open.headers.get("x-ratelimit-remaining")).toBe("59");
      expect(open.headers.get("x-ratelimit-resource")).toBe("core");
      expect(Number(open.headers.get("x-ratelimit-reset"))).toBeGreaterThan(
        Date.parse("2026-11-20T09:00:00Z") / 1000,
      );
      expect(open.json).toMatchObject({
        number: 12,
        state: "open",
        user: { login: "alice", type: "User" },
        merged: false,
        merged_at: null,
        closed_at: null,
        html_url: "https://github.com/acme/shop/pull/12",
        url: "https://api.github.com/repos/acme/shop/pulls/12",
        head: { ref: "feature/pr-12", repo: { full_name: "acme/shop" } },
        base: { ref: "main" },
      });
      const merged = await get(sandbox, "/repos/ACME/Shop/pulls/5");
      expect(merged.json).toMatchObject({
        state: "closed",
        merged: true,
        closed_at: "2026-11-18T16:30:00Z",
        merged_at: "2026-11-18T16:30:00Z",
      });
      const closed = await get(sandbox, "/repos/acme/api/pulls/3");
      expect(closed.json).toMatchObject({
        state: "closed",
        merged: false,
        merged_at: null,
        closed_at: "2026-11-19T10:00:00Z",
      });
    });
  });

  it("answers 404 in GitHub's shape for an unknown pull request, repository or route", async () => {
    await withSandbox(githubSeed(), async (sandbox) => {
      for (const path of [
        "/repos/acme/shop/pulls/99",
        "/repos/acme/other/pulls/1",
        "/repos/acme/shop/pulls/x",
        "/repos/acme/shop",
      ]) {
        const missing = await get(sandbox, path);
        expect(missing.status).toBe(404);
        expect(missing.json).toMatchObject({
          message: "Not Found",
          documentation_url: expect.stringMatching(/^https:\/\/docs\.github\.com\/rest/),
        });
      }
    });
  });

  it("leaves signed S3 requests to S3, even for a path that starts with /repos/", async () => {
    await withSandbox(githubSeed(), async (sandbox) => {
      const s3 = new S3Client({ ...clientConfig(sandbox), forcePathStyle: true });
      await expect(
        s3.send(new GetObjectCommand({ Bucket: "repos", Key: "acme/shop/pulls/12" })),
      ).rejects.toMatchObject({
        name: "NoSuchBucket",
      });
    });
  });

  it("changes a pull request's state through the control route, as GitHub would", async () => {
    await withSandbox(githubSeed(), async (sandbox) => {
      sandbox.clock.set("2026-11-20T10:00:00Z");
      const changed = await post(sandbox, "/_sandbox/github/pulls", {
        repository: "acme/shop",
        number: 12,
        state: "closed",
        merged: true,
      });
      expect(changed.json).toMatchObject({ state: "closed", merged: true });
      expect(changed.json.closed_at).toMatch(/^2026-11-20T10:00:0\dZ$/);
      expect((await get(sandbox, "/repos/acme/shop/pulls/12")).json).toMatchObject({
        state: "closed",
        merged: true,
      });
      const reopened = await post(sandbox, "/_sandbox/github/pulls", {
        repository: "acme/shop",
        number: 12,
        state: "open",
      });
      expect(reopened.json).toMatchObject({ state: "open", merged: false, closed_at: null, merged_at: null });
      expect(
        (
          await post(sandbox, "/_sandbox/github/pulls", {
            repository: "acme/shop",
            number: 12,
            merged: true,
            state: "open",
          })
        ).status,
      ).toBe(400);
      expect(
        (await post(sandbox, "/_sandbox/github/pulls", { repository: "not a repo", number: 1 })).status,
      ).toBe(400);
    });
  });

  it("answers 403 for a pull request made inaccessible, for a throttle fault and once the rate limit is spent", async () => {
    await withSandbox(githubSeed(), async (sandbox) => {
      await post(sandbox, "/_sandbox/github/pulls", { repository: "acme/shop", number: 5, answer: 403 });
      const denied = await get(sandbox, "/repos/acme/shop/pulls/5");
      expect(denied).toMatchObject({
        status: 403,
        json: { message: "Resource not accessible by personal access token" },
      });
      await post(sandbox, "/_sandbox/github/pulls", { repository: "acme/shop", number: 5, answer: null });
      expect((await get(sandbox, "/repos/acme/shop/pulls/5")).status).toBe(200);

      await post(sandbox, "/_sandbox/faults", {
        service: "github",
        operation: "pulls.get",
        kind: "throttle",
        count: 1,
      });
      const throttled = await get(sandbox, "/repos/acme/shop/pulls/12");
      expect(throttled.status).toBe(403);
      expect(throttled.headers.get("x-ratelimit-remaining")).toBe("0");
      expect(throttled.json.message).toMatch(/API rate limit exceeded/);

      await post(sandbox, "/_sandbox/github/rate-limit", { remaining: 1 });
      expect((await get(sandbox, "/repos/acme/shop/pulls/12")).status).toBe(200);
      const spent = await get(sandbox, "/repos/acme/shop/pulls/12");
      expect(spent.status).toBe(403);
      expect(spent.headers.get("x-ratelimit-remaining")).toBe("0");
      // A token has its own, larger window.
      const withToken = await get(sandbox, "/repos/acme/shop/pulls/12", {
        authorization: "Bearer ghp_sandbox",
      });
      expect(withToken.status).toBe(200);
      expect(withToken.headers.get("x-ratelimit-limit")).toBe("5000");
      // The window resets with the sandbox clock.
      sandbox.clock.advance("PT1H");
      expect((await get(sandbox, "/repos/acme/shop/pulls/12")).status).toBe(200);
    });
  });
});

describe("GitHub webhook driver: POST /_sandbox/github/deliver", () => {
  it("delivers a signed pull_request closed payload in GitHub's shape and closes the PR on GitHub's side", async () => {
    await withSandbox(githubSeed(), async (sandbox) => {
      const hook = await receiver(() => ({ status: 200, body: '{"ok":true}' }));
      try {
        const result = await post(sandbox, "/_sandbox/github/deliver", {
          target: hook.url,
          secret: "s3cret",
          event: "pull_request",
          action: "closed",
          repository: "acme/shop",
          number: 12,
          merged: true,
          sender: "bob",
        });
        expect(result.json).toMatchObject({
          status: 200,
          body: '{"ok":true}',
          json: { ok: true },
          event: "pull_request",
        });
        expect(result.json.elapsedMs).toBeGreaterThanOrEqual(0);
        const [request] = hook.received;
        const headers = request?.headers ?? {};
        const body = request?.body ?? "";
        expect(headers["content-type"]).toBe("application/json");
        expect(headers["user-agent"]).toMatch(/^GitHub-Hookshot\/[0-9a-f]{7}$/);
        expect(headers["x-github-event"]).toBe("pull_request");
        expect(headers["x-github-delivery"]).toBe(result.json.delivery);
        expect(headers["x-github-delivery"]).toMatch(
          /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
        );
        expect(headers["x-github-hook-installation-target-type"]).toBe("repository");
        const expected = `sha256=${createHmac("sha256", "s3cret").update(body).digest("hex")}`;
        expect(headers["x-hub-signature-256"]).toBe(expected);
        expect(headers["x-hub-signature"]).toBe(
          `sha1=${createHmac("sha1", "s3cret").update(body).digest("hex")}`,
        );
        const payload = JSON.parse(body);
        expect(payload).toMatchObject({
          action: "closed",
          number: 12,
          pull_request: {
            number: 12,
            state: "closed",
            merged: true,
            user: { login: "alice" },
            head: { ref: "feature/pr-12" },
          },
          repository: { full_name: "acme/shop", name: "shop", owner: { login: "acme" } },
          sender: { login: "bob" },
        });
        expect(payload.pull_request.closed_at).toBe(payload.pull_request.merged_at);
        expect((await get(sandbox, "/repos/acme/shop/pulls/12")).json).toMatchObject({
          state: "closed",
          merged: true,
        });

        await post(sandbox, "/_sandbox/github/deliver", {
          target: hook.url,
          secret: "s3cret",
          event: "pull_request",
          action: "reopened",
          repository: "acme/shop",
          number: 12,
        });
        expect(JSON.parse(hook.received[1]?.body ?? "")).toMatchObject({
          action: "reopened",
          pull_request: { state: "open", closed_at: null },
        });
        expect((await get(sandbox, "/repos/acme/shop/pulls/12")).json.state).toBe("open");
      } finally {
        await hook.close();
      }
    });
  });

  it("delivers ping, forged, unsigned, redelivered and form-encoded requests on demand", async () => {
    await withSandbox(githubSeed(), async (sandbox) => {
      const hook = await receiver(() => ({ status: 202, body: "{}" }));
      try {
        const deliver = (extra: Record<string, unknown>) =>
          post(sandbox, "/_sandbox/github/deliver", {
            target: hook.url,
            secret: "s3cret",
            repository: "acme/shop",
            ...extra,
          });
        await deliver({ event: "ping" });
        expect(JSON.parse(hook.received[0]?.body ?? "")).toMatchObject({
          zen: expect.any(String),
          hook: { type: "Repository", config: { url: hook.url } },
        });
        await deliver({ event: "pull_request", action: "closed", number: 5, signature: "sha256=forged" });
        expect(hook.received[1]?.headers["x-hub-signature-256"]).toBe("sha256=forged");
        await deliver({ event: "pull_request", action: "closed", number: 5, signature: null });
        expect(hook.received[2]?.headers["x-hub-signature-256"]).toBeUndefined();
        const again = await deliver({
          event: "pull_request",
          action: "closed",
          number: 5,
          delivery: "1f0e4b3c-0000-4000-8000-000000000001",
        });
        expect(again.json.delivery).toBe("1f0e4b3c-0000-4000-8000-000000000001");
        expect(hook.received[3]?.headers["x-github-delivery"]).toBe("1f0e4b3c-0000-4000-8000-000000000001");
        await deliver({ event: "pull_request", action: "closed", number: 5, contentType: "form" });
        const form = hook.received[4];
        expect(form?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
        expect(form?.headers["x-hub-signature-256"]).toBe(signGitHubPayload("s3cret", form?.body ?? ""));
        expect(JSON.parse(new URLSearchParams(form?.body).get("payload") ?? "")).toMatchObject({
          action: "closed",
          number: 5,
        });
        const log = (await (await fetch(`${sandbox.url}/_sandbox/github/deliveries`)).json()) as {
          deliveries: unknown[];
        };
        expect(log.deliveries).toHaveLength(5);
        expect((await deliver({ event: "push" })).status).toBe(400);
        expect((await deliver({ event: "pull_request" })).status).toBe(400);
      } finally {
        await hook.close();
      }
    });
  });

  it("reports a target that does not answer within GitHub's 10 seconds (here: the timeout given)", async () => {
    await withSandbox(githubSeed(), async (sandbox) => {
      const hook = await receiver(() => ({ status: 200, body: "{}", delayMs: 500 }));
      try {
        const result = await post(sandbox, "/_sandbox/github/deliver", {
          target: hook.url,
          secret: "s3cret",
          event: "ping",
          repository: "acme/shop",
          timeoutMs: 100,
        });
        expect(result.json).toMatchObject({ status: 0, error: expect.stringMatching(/timed out/) });
      } finally {
        await hook.close();
      }
    });
  });
});
