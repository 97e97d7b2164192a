import { createHmac, randomBytes, randomUUID } from "node:crypto";
import type { Clock } from "../../clock.js";
import type { Pulls } from "./pulls.js";
import { idOf, pingEvent, pullRequestEvent } from "./shapes.js";

/** `sha256=` + lowercase hex HMAC-SHA256 of the exact body bytes with the hook's secret (WIRE.md §7). */
export function signGitHubPayload(
  secret: string,
  body: string,
  algorithm: "sha256" | "sha1" = "sha256",
): string {
  return `${algorithm}=${createHmac(algorithm, secret).update(body, "utf8").digest("hex")}`;
}

/** What a test asks GitHub to deliver (`POST /_sandbox/github/deliver`). */
export interface DeliverRequest {
  target: string;
  /** The hook's secret; without one GitHub sends no signature headers. */
  secret?: string;
  event: string;
  action?: string;
  repository: string;
  number?: number;
  merged?: boolean;
  sender?: string;
  /** Reuse an X-GitHub-Delivery, as a redelivery from GitHub's UI does. */
  delivery?: string;
  /** Replaces X-Hub-Signature-256 (a forgery); null leaves it out. */
  signature?: string | null;
  /** The hook's content type: json (default) or form (`payload=` in a form body). */
  contentType?: "json" | "form";
  /** GitHub gives up after 10 s. */
  timeoutMs?: number;
}

export interface DeliveryResult {
  status: number;
  body: string;
  json?: unknown;
  /** Set when the target did not answer in time or could not be reached. */
  error?: string;
  elapsedMs: number;
  delivery: string;
  event: string;
  action?: string;
}

/** Sends webhook deliveries as GitHub does, and keeps the PR states in step with what it delivered. */
export class WebhookDriver {
  readonly log: (DeliveryResult & { target: string; at: string })[] = [];
  private readonly hookshot = `GitHub-Hookshot/${randomBytes(4).toString("hex").slice(0, 7)}`;

  constructor(
    private readonly pulls: Pulls,
    private readonly clock: Clock,
  ) {}

  async deliver(request: DeliverRequest): Promise<DeliveryResult> {
    if (typeof request.target !== "string") throw new Error("send a target URL");
    new URL(request.target);
    const sender = request.sender ?? "octocat";
    const payload = this.payload(request, sender);
    const json = JSON.stringify(payload);
    const form = request.contentType === "form";
    const body = form ? new URLSearchParams({ payload: json }).toString() : json;
    const delivery = request.delivery ?? randomUUID();
    const hookId = String(idOf(`hook:${request.repository.toLowerCase()}:${request.target}`));
    const headers: Record<string, string> = {
      "content-type": form ? "application/x-www-form-urlencoded" : "application/json",
      "user-agent": this.hookshot,
      "x-github-event": request.event,
      "x-github-delivery": delivery,
      "x-github-hook-id": hookId,
      "x-github-hook-installation-target-type": "repository",
      "x-github-hook-installation-target-id": String(idOf(`repo:${request.repository.toLowerCase()}`)),
    };
    if (request.secret) {
      headers["x-hub-signature"] = signGitHubPayload(request.secret, body, "sha1");
      headers["x-hub-signature-256"] = signGitHubPayload(request.secret, body);
    }
    if (request.signature === null) {
      delete headers["x-hub-signature"];
      delete headers["x-hub-signature-256"];
    } else if (request.signature !== undefined) headers["x-hub-signature-256"] = request.signature;
    const result = await this.send(request, headers, body, delivery);
    this.log.push({ ...result, target: request.target, at: this.clock.now().toISOString() });
    return result;
  }

  private payload(request: DeliverRequest, sender: string): unknown {
    if (request.event === "ping")
      return pingEvent(request.repository, request.target, sender, this.clock.now());
    if (request.event !== "pull_request") throw new Error('event must be "pull_request" or "ping"');
    if (!request.action) throw new Error('a pull_request delivery needs an action, e.g. "closed"');
    const number = Number(request.number);
    const change = { repository: request.repository, number };
    const pull =
      request.action === "closed"
        ? this.pulls.change({ ...change, state: "closed", merged: request.merged === true })
        : request.action === "reopened" || request.action === "opened"
          ? this.pulls.change({ ...change, state: "open" })
          : (this.pulls.get(request.repository, number) ?? this.pulls.change(change));
    return pullRequestEvent(request.action, pull, sender);
  }

  private async send(
    request: DeliverRequest,
    headers: Record<string, string>,
    body: string,
    delivery: string,
  ): Promise<DeliveryResult> {
    const started = performance.now();
    const base = { delivery, event: request.event, ...(request.action ? { action: request.action } : {}) };
    const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
    try {
      const response = await fetch(request.target, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(request.timeoutMs ?? 10_000),
      });
      const text = await response.text();
      const result: DeliveryResult = { status: response.status, body: text, elapsedMs: elapsed(), ...base };
      try {
        if ((response.headers.get("content-type") ?? "").includes("json")) result.json = JSON.parse(text);
      } catch {
        // Not JSON after all: the raw body says what it was.
      }
      return result;
    } catch (error) {
      const timedOut = error instanceof Error && error.name === "TimeoutError";
      const message = timedOut
        ? "timed out (GitHub waits 10 s)"
        : String(error instanceof Error ? error.message : error);
      return { status: 0, body: "", error: message, elapsedMs: elapsed(), ...base };
    }
  }
}
