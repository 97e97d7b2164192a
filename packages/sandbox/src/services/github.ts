import { randomBytes } from "node:crypto";
import { header, json, type SandboxRequest, type SandboxResponse } from "../http.js";
import { type DeliverRequest, WebhookDriver } from "./github/driver.js";
import { type PullChange, Pulls } from "./github/pulls.js";
import { RateLimits, rateHeaders } from "./github/rate-limit.js";
import { pullRequest } from "./github/shapes.js";
import type { SandboxContext, Service } from "./service.js";

export { signGitHubPayload } from "./github/driver.js";

const PULL = /^\/repos\/([\w.-]+)\/([\w.-]+)\/pulls\/(\d+)$/;
const DOCS = "https://docs.github.com/rest";
const PULL_DOCS = `${DOCS}/pulls/pulls#get-a-pull-request`;
const MESSAGES: Record<number, string> = {
  401: "Bad credentials",
  403: "Resource not accessible by personal access token",
  404: "Not Found",
  500: "Server Error",
};

/**
 * GitHub's side (WIRE.md §7, §8 item 8): the REST API's `GET /repos/{owner}/{repo}/pulls/{number}` over the
 * seed's pull requests, with rate-limit headers, and a driver that delivers signed webhooks to a target.
 * It claims only unsigned `GET /repos/...` requests: every AWS call carries a SigV4 credential.
 */
export function githubService(ctx: SandboxContext): Service {
  const clock = ctx.estate.clock;
  const pulls = new Pulls(ctx.estate.seed.github.pulls, clock);
  const limits = new RateLimits(clock);
  const driver = new WebhookDriver(pulls, clock);

  const answer = (status: number, body: unknown, headers: Record<string, string> = {}): SandboxResponse =>
    json(status, body, {
      "content-type": "application/json; charset=utf-8",
      "x-github-media-type": "github.v3; format=json",
      "x-github-api-version-selected": "2022-11-28",
      "x-github-request-id": randomBytes(8).toString("hex").toUpperCase(),
      ...headers,
    });
  const error = (status: number, documentation: string, headers: Record<string, string> = {}) =>
    answer(
      status,
      { message: MESSAGES[status] ?? "Error", documentation_url: documentation, status: String(status) },
      headers,
    );

  return {
    name: "github",
    claims: (req) => req.method === "GET" && req.path.startsWith("/repos/") && !req.credential,
    operation: (req) => (PULL.test(req.path) ? "pulls.get" : "unknown"),
    throttled: () =>
      answer(
        403,
        {
          message:
            "API rate limit exceeded. (But here's the good news: Authenticated requests get a higher rate limit.)",
          documentation_url: `${DOCS}/using-the-rest-api/rate-limits-for-the-rest-api`,
        },
        {
          "x-ratelimit-limit": "60",
          "x-ratelimit-remaining": "0",
          "x-ratelimit-used": "60",
          "x-ratelimit-resource": "core",
        },
      ),
    unavailable: () => error(500, DOCS),

    handle(req: SandboxRequest): SandboxResponse {
      const window = limits.take(token(req));
      const headers = rateHeaders(window);
      if (!window.ok) {
        return answer(
          403,
          {
            message: "API rate limit exceeded for 127.0.0.1.",
            documentation_url: `${DOCS}/using-the-rest-api/rate-limits-for-the-rest-api`,
          },
          headers,
        );
      }
      const match = PULL.exec(req.path);
      if (!match) return error(404, DOCS, headers);
      const [, owner = "", repo = "", number = ""] = match;
      const pull = pulls.get(`${owner}/${repo}`, Number(number));
      if (!pull) return error(404, PULL_DOCS, headers);
      if (pull.answer) return error(pull.answer, PULL_DOCS, headers);
      return answer(200, pullRequest(pull), {
        ...headers,
        etag: `W/"${pull.updatedAt.getTime().toString(16)}"`,
      });
    },

    control: {
      "GET /_sandbox/github/pulls": () =>
        json(200, {
          pulls: pulls
            .all()
            .map((p) => ({ ...pullRequest(p), repository: p.repository, answer: p.answer ?? null })),
        }),
      "POST /_sandbox/github/pulls": (req) =>
        guard(req, (body) => pullRequest(pulls.change(body as unknown as PullChange))),
      "POST /_sandbox/github/rate-limit": (req) =>
        guard(req, (body) => {
          const remaining = Number(body.remaining);
          if (!(Number.isInteger(remaining) && remaining >= 0))
            throw new Error('send {"remaining": N, "token"?: "..."}');
          limits.set(typeof body.token === "string" ? body.token : undefined, remaining);
          return { remaining };
        }),
      "POST /_sandbox/github/deliver": async (req) => {
        try {
          return json(200, await driver.deliver(parse(req) as unknown as DeliverRequest));
        } catch (error) {
          return json(400, { error: error instanceof Error ? error.message : String(error) });
        }
      },
      "GET /_sandbox/github/deliveries": () => json(200, { deliveries: driver.log }),
    },
  };
}

/** The token of `Authorization: token X` or `Bearer X`; undefined when the caller sent none. */
function token(req: SandboxRequest): string | undefined {
  const value = header(req, "authorization");
  const match = value ? /^(?:token|bearer)\s+(\S+)$/i.exec(value) : null;
  return match?.[1];
}

function parse(req: SandboxRequest): Record<string, unknown> {
  const body: unknown = JSON.parse(req.body.toString("utf8") || "{}");
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Error("send a JSON object");
  return body as Record<string, unknown>;
}

function guard(req: SandboxRequest, run: (body: Record<string, unknown>) => unknown): SandboxResponse {
  try {
    return json(200, run(parse(req)));
  } catch (error) {
    return json(400, { error: error instanceof Error ? error.message : String(error) });
  }
}
