import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Clock } from "./clock.js";
import { Estate } from "./estate/estate.js";
import { render } from "./estate/render.js";
import { Faults } from "./faults.js";
import { json, parseCredential, type SandboxRequest, type SandboxResponse } from "./http.js";
import type { Seed } from "./seed/schema.js";
import { codebuildService } from "./services/codebuild.js";
import { controlRoutes } from "./services/control.js";
import { costExplorerService } from "./services/cost-explorer.js";
import { githubService } from "./services/github.js";
import { s3Service } from "./services/s3.js";
import type { SandboxContext, Service } from "./services/service.js";
import { slackService } from "./services/slack.js";
import { sqsService } from "./services/sqs.js";
import { ssmService } from "./services/ssm.js";
import { stsService } from "./services/sts.js";
import { taggingService } from "./services/tagging.js";

export interface SandboxOptions {
  seed: Seed;
  port?: number;
  /** Latency added to every call. */
  latencyMs?: number;
}

export interface Sandbox {
  url: string;
  /** The environment a process needs to use this sandbox through the standard SDK configuration. */
  env: Record<string, string>;
  clock: Clock;
  faults: Faults;
  estate: Estate;
  /** Calls per "service.Operation". */
  requests: Map<string, number>;
  /** Response body bytes sent per "service.Operation" (HEAD answers send none). */
  bytes: Map<string, number>;
  close(): Promise<void>;
}

/** Starts the sandbox on 127.0.0.1: one HTTP server for every emulated AWS service and the Slack workspace. */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const clock = new Clock(options.seed.now);
  const estate = new Estate(options.seed, clock);
  render(estate, options.seed);
  const faults = new Faults();
  faults.baseLatencyMs = options.latencyMs ?? 0;
  const requests = new Map<string, number>();
  const bytes = new Map<string, number>();
  const operationOf = new WeakMap<SandboxRequest, string>();
  let baseUrl = "";
  const ctx: SandboxContext = { estate, faults, url: () => baseUrl };
  // The order matters for services that claim requests by shape: S3 takes whatever no one else claims.
  const services: Service[] = [
    stsService(ctx),
    slackService(ctx),
    githubService(ctx),
    ssmService(ctx),
    taggingService(ctx),
    costExplorerService(ctx),
    codebuildService(ctx),
    sqsService(ctx),
    s3Service(ctx),
  ];
  const control = controlRoutes({ ...ctx, requests, bytes, services });

  const server = createServer((incoming, outgoing) => {
    serve(incoming, outgoing).catch((error: unknown) => {
      console.error("sandbox: unhandled error", error);
      if (!outgoing.headersSent) outgoing.writeHead(500, { "content-type": "text/plain" });
      outgoing.end("sandbox internal error");
    });
  });

  async function serve(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const req = await readRequest(incoming);
    const response = await dispatch(req);
    const body = response.body ?? "";
    const operation = operationOf.get(req);
    if (operation && req.method !== "HEAD")
      bytes.set(operation, (bytes.get(operation) ?? 0) + Buffer.byteLength(body));
    outgoing.writeHead(response.status, {
      ...response.headers,
      "content-length": String(Buffer.byteLength(body)),
    });
    outgoing.end(req.method === "HEAD" ? undefined : body);
  }

  async function dispatch(req: SandboxRequest): Promise<SandboxResponse> {
    if (req.path.startsWith("/_sandbox")) {
      const route = control[`${req.method} ${req.path}`];
      return route ? route(req) : json(404, { error: `no sandbox route ${req.method} ${req.path}` });
    }
    const target = String(req.headers["x-amz-target"] ?? "");
    const service = target
      ? services.find((s) => s.target && target.startsWith(`${s.target}.`))
      : services.find((s) => s.claims?.(req));
    if (!service) return json(400, { error: `no sandbox service for ${req.method} ${req.path}` });
    const operation = service.operation(req);
    const name = `${service.name}.${operation}`;
    requests.set(name, (requests.get(name) ?? 0) + 1);
    operationOf.set(req, name);
    const caller = estate.principal(req.credential?.accessKeyId);
    const decision = faults.decide(service.name, operation, `${caller?.account}/${req.credential?.region}`);
    if (decision.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.latencyMs));
    if (decision.fail === "throttle") return service.throttled(operation);
    if (decision.fail === "error") return service.unavailable(operation);
    return service.handle(req, operation);
  }

  const ticker = setInterval(() => {
    for (const service of services) {
      Promise.resolve(service.tick?.()).catch((error: unknown) =>
        console.error(`sandbox: ${service.name} tick`, error),
      );
    }
  }, 250);
  ticker.unref();

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;
  const home = options.seed.accounts[0];
  return {
    url: baseUrl,
    env: {
      AWS_ENDPOINT_URL: baseUrl,
      AWS_ACCESS_KEY_ID: "sandbox",
      AWS_SECRET_ACCESS_KEY: "sandbox",
      AWS_REGION: home?.regions[0] ?? "us-east-1",
      SLACK_API_URL: `${baseUrl}/api/`,
      SLACK_BOT_TOKEN: options.seed.slack.tokens[0] ?? "xoxb-sandbox",
      GITHUB_API_URL: baseUrl,
      // The sandbox GitHub counts a token-less caller against 60 requests an hour, as GitHub does.
      GITHUB_TOKEN: "ghp_sandbox",
    },
    clock,
    faults,
    estate,
    requests,
    bytes,
    close: async () => {
      clearInterval(ticker);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readRequest(incoming: IncomingMessage): Promise<SandboxRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const url = new URL(incoming.url ?? "/", "http://sandbox");
  return {
    method: incoming.method ?? "GET",
    path: safeDecode(url.pathname),
    rawPath: url.pathname,
    query: url.searchParams,
    headers: incoming.headers,
    body: Buffer.concat(chunks),
    credential: parseCredential(incoming.headers, url.searchParams),
  };
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
