// The Slack function's acknowledgement time, warm, in-process against a sandbox in a child process
// (BENCHMARKS.md), so that the sandbox's own work is not counted as the handler's:
//   npx tsx bench/slack-ack.ts [--stages 200,2000] [--requests 1000]
// For each estate size: the daily run writes the snapshot, then the handler answers `--requests` signed
// slash commands (a mix of list, list APP KIND, cost, status and help, the reads that answer from the
// snapshot) and then one keep per live removable stage, up to 200 (inline conditional writes). Times are
// from the request to the handler's answer, as the Lambda sees them; Slack's limit is 3,000 ms.
import { createHmac } from "node:crypto";
import { parseArgs } from "node:util";
import { sandboxNow, startSandboxProcess, useSandbox } from "../packages/cli/src/sandbox-process.js";
import { parseConfig } from "../packages/core/src/config/index.js";
import { latestRun } from "../packages/core/src/ledger/runs.js";
import { runDaily } from "../packages/core/src/run/daily.js";
import { slackFunctionDeps } from "../packages/core/src/slack/deps.js";
import { handleSlackRequest } from "../packages/core/src/slack/handler.js";
import { readSnapshot } from "../packages/core/src/slack/snapshot.js";
import { generateSeed } from "../packages/sandbox/src/index.js";

const { values } = parseArgs({
  options: { stages: { type: "string", default: "200,2000" }, requests: { type: "string", default: "1000" } },
});
const sizes = (values.stages ?? "").split(",").map(Number);
const requests = Number(values.requests);
const SECRET = "bench-signing-secret";

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  return { n: sorted.length, p50: at(50), p95: at(95), p99: at(99), max: sorted.at(-1) ?? 0 };
}

const show = (label: string, samples: number[]) => {
  const p = percentiles(samples);
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  console.log(
    `  ${label.padEnd(28)} n=${p.n}  p50 ${ms(p.p50)}  p95 ${ms(p.p95)}  p99 ${ms(p.p99)}  max ${ms(p.max)}`,
  );
};

for (const size of sizes) {
  const sandbox = await startSandboxProcess(["--generate", String(size), "--seed-number", "7"]);
  useSandbox(sandbox);
  // The same seed, generated here only to learn its accounts (2 or 3, as the seed number decides).
  const accounts = generateSeed({ stages: size, seedNumber: 7 }).accounts.map((a, i) => ({
    id: a.id,
    regions: a.regions,
    ...(i > 0 ? { roleArn: `arn:aws:iam::${a.id}:role/stagekeeper` } : {}),
  }));
  const configJson = {
    dryRun: true,
    accounts,
    ledger: { bucket: "stagekeeper-ledger-demo" },
    removal: { project: "stagekeeper-remove" },
    slack: { channel: "C0STAGES" },
  };
  const config = parseConfig(configJson);
  await runDaily({ config, now: await sandboxNow(sandbox.url), homeRegion: "us-east-1" });
  // Built as the Lambda builds it, once per warm container.
  const built = () => slackFunctionDeps({ config, signingSecret: SECRET, homeRegion: "us-east-1" });
  const deps = built();
  // The stages to ask about, read through other deps so that the handler's first read is a cold one.
  const snapshot = await readSnapshot(built().store);
  if (!snapshot) throw new Error("the daily run wrote no snapshot");
  const stages = snapshot.stages;
  const one = stages[Math.floor(stages.length / 2)];
  const app = one?.app ?? "shop";
  const texts = [
    "list",
    `list ${app} pr`,
    `cost ${one?.account}/${one?.region}/${app}/${one?.stage}`,
    "status",
    "help",
  ];

  const ack = async (text: string) => {
    const body = new URLSearchParams({
      command: "/stages",
      text,
      user_id: "U0ALICE",
      channel_id: "C0STAGES",
    }).toString();
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = `v0=${createHmac("sha256", SECRET).update(`v0:${ts}:${body}`).digest("hex")}`;
    const started = performance.now();
    const response = await handleSlackRequest(deps, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": ts,
        "x-slack-signature": signature,
      },
      body: Buffer.from(body),
    });
    const elapsed = performance.now() - started;
    if (response.status !== 200 || response.body.includes("went wrong"))
      throw new Error(`${text}: ${response.status} ${response.body}`);
    return { elapsed, body: response.body };
  };

  // The first read after a run parses the new snapshot; later ones only ask for its ETag.
  const first = await ack("status");
  for (let i = 0; i < 20; i++) await ack(texts[i % texts.length] as string); // warm-up
  const byText = new Map<string, number[]>();
  const all: number[] = [];
  for (let i = 0; i < requests; i++) {
    const text = texts[i % texts.length] as string;
    const { elapsed } = await ack(text);
    all.push(elapsed);
    byText.set(text.split(" ")[0] as string, [...(byText.get(text.split(" ")[0] as string) ?? []), elapsed]);
  }
  const keepable = stages.filter((s) => s.kind === "pr" || s.kind === "personal").slice(0, 200);
  const keeps: number[] = [];
  for (const s of keepable) {
    const { elapsed, body } = await ack(`keep ${s.account}/${s.region}/${s.app}/${s.stage} 3d bench`);
    if (!body.includes("Kept") && !body.includes("already kept")) throw new Error(body);
    keeps.push(elapsed);
  }
  const bytes = Buffer.byteLength(JSON.stringify(await latestRun(deps.store)));
  console.log(
    `${size} stages generated: ${stages.length} in the snapshot, runs/latest.json ${(bytes / 1024).toFixed(0)} KiB`,
  );
  console.log(`  first read of a new snapshot  ${first.elapsed.toFixed(1)} ms`);
  show(`reads, all (${texts.length} kinds)`, all);
  for (const [text, samples] of byText) show(`  ${text}`, samples);
  show("keep (write + audit)", keeps);
  await sandbox.stop();
}
