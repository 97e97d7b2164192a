// GitHub webhook receipt → CodeBuild StartBuild, with no grace (BENCHMARKS.md, issue 7; target ≤ 2 s):
//   npx tsx bench/github-latency.ts [--samples 40] [--latency 0,20]
// A sandbox in a child process (a generated estate of 200 stages) delivers signed `pull_request` closed
// webhooks, one at a time, to handleGitHubWebhook served over HTTP in this process. The webhook runs the gate
// and queues the removal; the sandbox's SQS delivers the queue to a second local endpoint as a Lambda event
// source mapping does (polled every 250 ms), where the worker's dispatcher calls StartBuild. Latency is from
// the moment the webhook request arrives to the moment the worker's handler returns after StartBuild (so it
// includes the worker's ledger write after StartBuild). `--latency` adds that many ms to every sandbox call.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import {
  advanceSandbox,
  sandboxNow,
  startSandboxProcess,
  useSandbox,
} from "../packages/cli/src/sandbox-process.js";
import { codebuildClient, s3Client } from "../packages/core/src/aws/clients.js";
import { cachedAccountResolver } from "../packages/core/src/aws/targets.js";
import { parseConfig } from "../packages/core/src/config/index.js";
import { githubDeps } from "../packages/core/src/github/deps.js";
import { handleGitHubWebhook } from "../packages/core/src/github/webhook.js";
import { LedgerStore } from "../packages/core/src/ledger/store.js";
import { loadBuildspec } from "../packages/core/src/removal/buildspec.js";
import { dispatcher } from "../packages/core/src/removal/dispatch.js";
import { handleSqsBatch, type SqsRecord } from "../packages/core/src/removal/queue.js";
import { generateSeed } from "../packages/sandbox/src/index.js";

const { values } = parseArgs({
  options: { samples: { type: "string", default: "40" }, latency: { type: "string", default: "0,20" } },
});
const samples = Number(values.samples);
const latencies = (values.latency ?? "0").split(",").map(Number);
const SECRET = "bench-webhook-secret";
const SIZE = 200;

function percentiles(list: number[]) {
  const sorted = [...list].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  return { n: sorted.length, p50: at(50), p95: at(95), max: sorted.at(-1) ?? 0 };
}
const show = (label: string, list: number[]) => {
  const p = percentiles(list);
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  console.log(`  ${label.padEnd(34)} n=${p.n}  p50 ${ms(p.p50)}  p95 ${ms(p.p95)}  max ${ms(p.max)}`);
};

async function serve(handle: (req: IncomingMessage, body: Buffer, res: ServerResponse) => Promise<void>) {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      handle(req, Buffer.concat(chunks), res).catch((error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

const buildspec = await loadBuildspec();

for (const latency of latencies) {
  const sandbox = await startSandboxProcess([
    "--generate",
    String(SIZE),
    "--seed-number",
    "7",
    "--latency",
    String(latency),
  ]);
  useSandbox(sandbox);
  const seed = generateSeed({ stages: SIZE, seedNumber: 7 });
  const accounts = seed.accounts.map((a, i) => ({
    id: a.id,
    regions: a.regions,
    ...(i > 0 ? { roleArn: `arn:aws:iam::${a.id}:role/stagekeeper` } : {}),
  }));
  const config = parseConfig({
    dryRun: false,
    accounts,
    apps: seed.apps.map((app) => ({ name: app.name, repository: app.repository })),
    ledger: { bucket: "stagekeeper-ledger-demo" },
    removal: { project: "stagekeeper-remove", queue: "stagekeeper-removals" },
    github: { graceMinutes: 0 },
  });
  const candidates = seed.stages.filter(
    (s) => /^pr-\d+$/.test(s.stage) && s.live !== false && !s.lock && s.protect === false,
  );
  let offset = (await sandboxNow(sandbox.url)).getTime() - Date.now();
  const now = () => new Date(Date.now() + offset);
  const store = new LedgerStore(s3Client({ region: "us-east-1" }), "stagekeeper-ledger-demo");
  const targets = cachedAccountResolver(config, "us-east-1");
  const codebuild = codebuildClient({ region: "us-east-1" });

  const received = new Map<string, number>();
  const started = new Map<string, number>();
  const webhook = await serve(async (req, body, res) => {
    const arrived = performance.now();
    received.set(String(req.headers["x-github-delivery"]), arrived);
    const deps = {
      ...githubDeps({ config, now: now(), homeRegion: "us-east-1", store, targets }),
      secret: SECRET,
    };
    const reply = await handleGitHubWebhook(deps, { headers: req.headers, rawBody: body });
    res.writeHead(reply.status, { "content-type": "application/json" });
    res.end(JSON.stringify(reply.body));
  });
  const worker = await serve(async (_req, body, res) => {
    const { Records } = JSON.parse(body.toString("utf8")) as { Records: SqsRecord[] };
    // The worker Lambda's own dispatcher; a started removal is timed as soon as the handler returns.
    const dispatch = dispatcher({
      worker: { store, config, now: now(), codebuild, buildspec },
      github: githubDeps({ config, now: now(), homeRegion: "us-east-1", store, targets }),
    });
    const result = await handleSqsBatch(Records, async (text) => {
      const outcome = (await dispatch(text)) as { action?: string; removalId?: string } | undefined;
      if (outcome?.action === "started" && outcome.removalId)
        started.set(outcome.removalId, performance.now());
      return outcome;
    });
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(result));
  });
  await fetch(`${sandbox.url}/_sandbox/sqs/target`, {
    method: "POST",
    body: JSON.stringify({ queue: "stagekeeper-removals", url: worker.url, batchSize: 10 }),
  });

  const toReply: number[] = [];
  const toStart: number[] = [];
  let failures = 0;
  for (const stage of candidates.slice(0, samples)) {
    const repository = seed.apps.find((a) => a.name === stage.app)?.repository;
    const response = await fetch(`${sandbox.url}/_sandbox/github/deliver`, {
      method: "POST",
      body: JSON.stringify({
        target: webhook.url,
        secret: SECRET,
        event: "pull_request",
        action: "closed",
        repository,
        number: Number(stage.stage.slice(3)),
        merged: true,
      }),
    });
    const delivered = (await response.json()) as {
      delivery: string;
      json?: { result: string; elapsedMs: number; stages?: { outcome: string; removalId?: string }[] };
    };
    const removalId = delivered.json?.stages?.find((s) => s.outcome === "queued")?.removalId;
    const arrived = received.get(delivered.delivery);
    if (!removalId || arrived === undefined) {
      failures++;
      continue;
    }
    toReply.push(delivered.json?.elapsedMs ?? 0);
    for (let waited = 0; !started.has(removalId) && waited < 10_000; waited += 5)
      await new Promise((resolve) => setTimeout(resolve, 5));
    const at = started.get(removalId);
    if (at === undefined) failures++;
    else toStart.push(at - arrived);
    // Let the build finish so the account's CodeBuild concurrency never limits the next one.
    await advanceSandbox(sandbox.url, "PT10S");
    offset = (await sandboxNow(sandbox.url)).getTime() - Date.now();
  }

  console.log(`sandbox latency ${latency} ms per call, ${SIZE}-stage estate, ${toStart.length} removals:`);
  show("webhook receipt → reply (queued)", toReply);
  show("webhook receipt → StartBuild", toStart);
  if (failures) console.log(`  ${failures} deliveries did not reach StartBuild`);
  webhook.server.closeAllConnections();
  webhook.server.close();
  worker.server.closeAllConnections();
  worker.server.close();
  await sandbox.stop();
}
