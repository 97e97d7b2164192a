import { readFileSync } from "node:fs";
import { S3Client } from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DASHBOARD_TOKENS, renderDashboard } from "../../../infra/dashboard-body.js";
import { type Sandbox, startSandbox } from "../../sandbox/src/index.js";
import { DEV, PROD, testSeed } from "../../sandbox/test/fixtures.js";
import { parseConfig } from "../src/config/index.js";
import { latestRun } from "../src/ledger/runs.js";
import { LedgerStore } from "../src/ledger/store.js";
import { serviceOf } from "../src/metrics/calls.js";
import { runMetricGroups, startRunMetrics } from "../src/metrics/emf.js";
import { publishReport } from "../src/report/report.js";
import { runDaily } from "../src/run/daily.js";
import { slackEnv, useSandboxEnv } from "./sandbox-env.js";

interface Emf {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

const config = parseConfig({
  accounts: [
    { id: DEV, regions: ["us-east-1", "eu-west-1"] },
    { id: PROD, roleArn: `arn:aws:iam::${PROD}:role/stagekeeper`, regions: ["us-east-1"] },
  ],
  ledger: { bucket: "stagekeeper-ledger" },
  slack: { channel: "C0STAGES" },
});

let sandbox: Sandbox;
let restore: () => void;
let written: string[];
let threadLength = 0;
const write = process.stdout.write;

beforeEach(async () => {
  sandbox = await startSandbox({
    seed: testSeed({ slack: { channels: [{ id: "C0STAGES", name: "stages" }] } }),
  });
  restore = useSandboxEnv(sandbox, slackEnv(sandbox));
  written = [];
});
afterEach(async () => {
  process.stdout.write = write;
  restore();
  await sandbox.close();
});

/** Runs the day as the daily Lambda does, capturing standard output in-process. */
async function day(): Promise<Emf[]> {
  const metrics = startRunMetrics();
  const now = sandbox.clock.now();
  const report = await runDaily({ config, now, homeRegion: "us-east-1" });
  const store = new LedgerStore(new S3Client({ region: "us-east-1" }), "stagekeeper-ledger");
  const snapshot = await latestRun(store);
  const delivery =
    snapshot &&
    (await publishReport(snapshot, {
      config,
      now,
      homeRegion: "us-east-1",
      slack: { retryConfig: { retries: 0 } },
    }));
  threadLength = delivery?.messages?.thread.length ?? -1;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  metrics.publish(report, delivery);
  process.stdout.write = write;
  return written
    .join("")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Emf);
}

const find = (lines: Emf[], dimension: string | undefined, name: string) =>
  lines.filter((l) => {
    const meta = l._aws.CloudWatchMetrics[0];
    const dims = meta?.Dimensions[0] ?? [];
    return (
      meta?.Metrics.some((m) => m.Name === name) && (dimension ? dims.includes(dimension) : dims.length === 1)
    );
  });

describe("CloudWatch metrics", () => {
  it("emits the run's metrics in embedded metric format inside Lambda", async () => {
    process.env.AWS_LAMBDA_FUNCTION_NAME = "stagekeeper-daily";
    const lines = await day();
    for (const line of lines) {
      expect(line._aws.CloudWatchMetrics[0]?.Namespace).toBe("Stagekeeper");
      expect(line.service).toBe("stagekeeper");
    }
    const [run] = find(lines, undefined, "Stages");
    expect(run).toMatchObject({
      Stages: 3,
      RemovalsStarted: 0,
      RemovalsSucceeded: 0,
      RemovalsFailed: 0,
      DigestFailed: 0,
    });
    expect(run?.RunDuration).toBeGreaterThan(0);
    expect(run?.MonthToDateSpend).toBeGreaterThan(0);
    const units = Object.fromEntries(
      run?._aws.CloudWatchMetrics[0]?.Metrics.map((m) => [m.Name, m.Unit]) ?? [],
    );
    expect(units).toMatchObject({ Stages: "Count", RunDuration: "Milliseconds", MonthToDateSpend: "None" });

    const byKind = find(lines, "Kind", "Stages");
    expect(byKind.map((l) => [l.Kind, l.Stages]).sort()).toEqual([
      ["permanent", 1],
      ["pr", 2],
    ]);
    const byDecision = find(lines, "Decision", "Stages");
    expect(byDecision).toHaveLength(9);
    expect(byDecision.reduce((sum, l) => sum + Number(l.Stages), 0)).toBe(3);
    const byApp = Object.fromEntries(
      find(lines, "App", "MonthToDateSpend").map((l) => [l.App, l.MonthToDateSpend]),
    );
    expect(Object.keys(byApp).sort()).toEqual(["api", "shop"]);
    expect(Number(byApp.shop)).toBeGreaterThan(Number(byApp.api));
    const calls = Object.fromEntries(find(lines, "Service", "ApiCalls").map((l) => [l.Service, l.ApiCalls]));
    expect(calls).toMatchObject({
      s3: expect.any(Number),
      ce: expect.any(Number),
      tagging: expect.any(Number),
      sts: expect.any(Number),
      slack: 1 + threadLength,
    });
    expect(lines[0]?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([["service"]]);
  });

  it("keeps standard output clean outside Lambda", async () => {
    delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    expect(await day()).toEqual([]);
  });

  it("names the service of a call from its SigV4 scope, presigned or not, and Slack from its Bearer call", () => {
    const request = (headers: Record<string, string>, path = "/") => ({
      path,
      getHeader: (n: string) => headers[n],
    });
    expect(
      serviceOf(
        request({
          authorization:
            "AWS4-HMAC-SHA256 Credential=AKID/20261127/us-east-1/ce/aws4_request, SignedHeaders=host",
        }),
      ),
    ).toBe("ce");
    expect(
      serviceOf(
        request({}, "/b/k?X-Amz-Credential=AKID%2F20261127%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=x"),
      ),
    ).toBe("s3");
    expect(serviceOf(request({ authorization: "Bearer xoxb-1" }, "/api/chat.postMessage"))).toBe("slack");
    expect(serviceOf(request({}))).toBe("other");
  });

  it("has a CloudWatch dashboard over exactly the metrics a run emits", async () => {
    const text = readFileSync(new URL("../../../dashboards/stagekeeper.json", import.meta.url), "utf8");
    const values = Object.fromEntries(DASHBOARD_TOKENS.map((t) => [t, `${t}-x`])) as Record<
      (typeof DASHBOARD_TOKENS)[number],
      string
    >;
    const body = JSON.parse(renderDashboard(text, values, "dashboards/stagekeeper.json")) as {
      widgets: { properties: { region?: string; metrics?: unknown[][] } }[];
    };
    const report = await runDaily({ config, now: sandbox.clock.now(), homeRegion: "us-east-1" });
    const emitted = new Set(
      runMetricGroups(report, {
        durationMs: 1,
        apiCalls: { s3: 1 },
        outcomes: { removed: 0, failed: 0 },
        digestDelivered: true,
      }).flatMap((g) =>
        g.metrics.map((m) => `${["service", ...Object.keys(g.dimensions)].join(",")}:${m.name}`),
      ),
    );
    const used: string[] = [];
    for (const widget of body.widgets) {
      for (const metric of widget.properties.metrics ?? []) {
        if (metric[0] === "Stagekeeper") used.push(`service:${metric[1]}`);
        const search = /SEARCH\('\{Stagekeeper,([^}]+)\} MetricName="(\w+)"/.exec(
          JSON.stringify(metric).replace(/\\"/g, '"'),
        );
        if (search) used.push(`${search[1]}:${search[2]}`);
      }
      if (widget.properties.metrics) expect(widget.properties.region).toBe("region-x");
    }
    expect(used.length).toBeGreaterThan(15);
    expect(used.filter((u) => !emitted.has(u))).toEqual([]);
  });
});
