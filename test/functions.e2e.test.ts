import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type SandboxProcess, startSandboxProcess } from "../packages/cli/src/sandbox-process.js";
import {
  builds,
  DEV,
  ledgerStore,
  record,
  removalConfig,
  removalSeed,
} from "../packages/core/test/removal-fixtures.js";
import { useSandboxEnv } from "../packages/core/test/sandbox-env.js";
import { handler as buildEvents } from "../packages/functions/src/build-events.js";
import { handler as daily } from "../packages/functions/src/daily.js";
import { handler as worker } from "../packages/functions/src/worker.js";
import type { Sandbox } from "../packages/sandbox/src/index.js";

const SHOP_PR12 = { account: DEV, region: "us-east-1", app: "shop", stage: "pr-12" };
// In its own process: the handlers run with a faked wall clock, which must not move the sandbox's.
let running: SandboxProcess;
let sandbox: Sandbox;
let restore: () => void;

beforeEach(async () => {
  const seed = join(await mkdtemp(join(tmpdir(), "stagekeeper-")), "seed.json");
  await writeFile(seed, JSON.stringify(removalSeed()));
  running = await startSandboxProcess(["--seed", seed]);
  // The fixtures only need the URL.
  sandbox = { url: running.url, env: running.env } as Sandbox;
  restore = useSandboxEnv(sandbox, {
    ...running.env,
    AWS_REGION: "us-east-1",
    STAGEKEEPER_CONFIG: JSON.stringify({ ...removalConfig(), slack: undefined }),
  });
});
afterEach(async () => {
  restore();
  await running.stop();
});

async function advance(duration: string): Promise<Date> {
  const res = await fetch(`${running.url}/_sandbox/clock`, {
    method: "POST",
    body: JSON.stringify({ advance: duration }),
  });
  return new Date(((await res.json()) as { now: string }).now);
}

async function sandboxNow(): Promise<Date> {
  return new Date(((await (await fetch(`${running.url}/_sandbox/clock`)).json()) as { now: string }).now);
}

/** What SQS hands the worker Lambda: the queue's messages as an event-source batch. */
async function sqsBatch() {
  const sqs = new SQSClient({ region: "us-east-1" });
  const QueueUrl = `${sandbox.url}/${DEV}/stagekeeper-removals`;
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
  return {
    Records: Messages.map((m) => ({
      messageId: m.MessageId ?? "",
      receiptHandle: m.ReceiptHandle ?? "",
      body: m.Body ?? "",
      attributes: {},
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? "",
      eventSource: "aws:sqs",
      eventSourceARN: `arn:aws:sqs:us-east-1:${DEV}:stagekeeper-removals`,
      awsRegion: "us-east-1",
    })),
  };
}

describe("the Lambda handlers, invoked with real event shapes", () => {
  it("daily (scheduled event) → worker (SQS batch) → build events (EventBridge) remove an expired stage", async () => {
    const scheduled = {
      version: "0",
      id: "c8f9b9a0-0000-4000-8000-000000000001",
      "detail-type": "Scheduled Event",
      source: "aws.scheduler",
      account: DEV,
      time: (await sandboxNow()).toISOString(),
      region: "us-east-1",
      resources: [`arn:aws:scheduler:us-east-1:${DEV}:schedule/default/daily`],
      detail: {},
    };
    // The handlers read the wall clock; the sandbox's clock is the seed's. Run them at the sandbox's time.
    vi.useFakeTimers({ toFake: ["Date"], now: await sandboxNow() });
    try {
      const day1 = await daily(scheduled);
      expect(day1.warned).toBeGreaterThan(0);
      vi.setSystemTime(await advance("P1D"));
      const day2 = await daily(scheduled);
      expect(day2.started).toBeGreaterThan(0);

      const batch = await sqsBatch();
      expect(batch.Records.length).toBeGreaterThan(0);
      expect(await worker(batch)).toEqual({ batchItemFailures: [] });
      expect((await builds(sandbox)).some((b) => b.environment.SST_STAGE === "pr-12")).toBe(true);

      await advance("PT30M");
      const events = (await (await fetch(`${sandbox.url}/_sandbox/events`)).json()) as {
        detail: { "build-status": string };
      }[];
      const finals = events.filter((e) => e.detail["build-status"] !== "IN_PROGRESS");
      expect(finals.length).toBeGreaterThan(0);
      for (const event of finals) await buildEvents(event);
      expect((await record(ledgerStore(sandbox), SHOP_PR12)).status).toBe("removed");
    } finally {
      vi.useRealTimers();
    }
  });
});
