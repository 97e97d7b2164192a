import {
  CostExplorerClient,
  type Expression,
  GetCostAndUsageCommand,
  type GetCostAndUsageCommandInput,
  type GetCostAndUsageCommandOutput,
  GetCostForecastCommand,
  GetTagsCommand,
  ListCostAllocationTagsCommand,
  paginateListCostAllocationTags,
  type ResultByTime,
} from "@aws-sdk/client-cost-explorer";
import { describe, expect, it } from "vitest";
import type { Sandbox } from "../src/index.js";
import { clientConfig, DEV, PROD, testSeed, withSandbox } from "./fixtures.js";

// The seed (fixtures.ts) at 2026-11-20T09:00Z: in DEV, shop/pr-12 spends 1.2345 a day from 2026-11-01,
// api/pr-12 0.5 a day from 2026-11-10, and 3.10 a day carries no sst tags; PROD's shop/production spends 41.5.
const SHOP = 12_345_000_000n;
const API = 5_000_000_000n;
const UNTAGGED = 31_000_000_000n;
const PRODUCTION = 415_000_000_000n;

const ce = (sandbox: Sandbox, accessKeyId = "sandbox", maxAttempts = 1) =>
  new CostExplorerClient({ ...clientConfig(sandbox, "eu-west-1", accessKeyId), maxAttempts });

/** Amounts as exact counts of 1e-10 USD, from the ten-decimal strings CE sends. */
function units(amount: string | undefined): bigint {
  const match = /^(\d+)\.(\d{10})$/.exec(amount ?? "");
  if (!match) throw new Error(`not a ten-decimal amount: ${amount}`);
  return BigInt(`${match[1]}${match[2]}`);
}

function fixed10(value: bigint): string {
  const text = value.toString().padStart(11, "0");
  return `${text.slice(0, -10)}.${text.slice(-10)}`;
}

/** Every (day, keys) → amount in a result, for one metric. */
function groupsOf(results: ResultByTime[], metric = "UnblendedCost"): Map<string, bigint> {
  const groups = new Map<string, bigint>();
  for (const result of results) {
    for (const group of result.Groups ?? []) {
      const id = `${result.TimePeriod?.Start} ${group.Keys?.join(" ")}`;
      groups.set(id, (groups.get(id) ?? 0n) + units(group.Metrics?.[metric]?.Amount));
    }
  }
  return groups;
}

function days(from: string, until: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t < Date.parse(`${until}T00:00:00Z`); t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

async function control(sandbox: Sandbox, path: string, body: unknown): Promise<Response> {
  return fetch(`${sandbox.url}/_sandbox/${path}`, { method: "POST", body: JSON.stringify(body) });
}

const byAppAndStage: GetCostAndUsageCommandInput = {
  TimePeriod: { Start: "2026-11-01", End: "2026-11-21" },
  Granularity: "DAILY",
  Metrics: ["UnblendedCost", "AmortizedCost"],
  GroupBy: [
    { Type: "TAG", Key: "sst:app" },
    { Type: "TAG", Key: "sst:stage" },
  ],
};

const daily = (
  filter: Expression,
  start = "2026-11-10",
  end = "2026-11-12",
): GetCostAndUsageCommandInput => ({
  TimePeriod: { Start: start, End: end },
  Granularity: "DAILY",
  Metrics: ["UnblendedCost"],
  Filter: filter,
});

const totals = (output: GetCostAndUsageCommandOutput) =>
  (output.ResultsByTime ?? []).map((r) => r.Total?.UnblendedCost?.Amount);

describe("Cost Explorer GetCostAndUsage", () => {
  it("groups daily spend by sst:app and sst:stage with exact sums, untagged under sst:app$/sst:stage$", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const output = await ce(sandbox).send(new GetCostAndUsageCommand(byAppAndStage));
      expect(output.GroupDefinitions).toEqual(byAppAndStage.GroupBy);
      expect(output.NextPageToken).toBeUndefined();
      const results = output.ResultsByTime ?? [];
      expect(results.map((r) => r.TimePeriod?.Start)).toEqual(days("2026-11-01", "2026-11-21"));
      expect(results.every((r) => JSON.stringify(r.Total) === "{}")).toBe(true);
      // Today (2026-11-20) has no data yet.
      expect(results.at(-1)?.Groups).toEqual([]);

      const expected = new Map<string, bigint>();
      for (const day of days("2026-11-01", "2026-11-20")) {
        expected.set(`${day} sst:app$ sst:stage$`, UNTAGGED);
        expected.set(`${day} sst:app$shop sst:stage$pr-12`, SHOP);
        if (day >= "2026-11-10") expected.set(`${day} sst:app$api sst:stage$pr-12`, API);
      }
      expect(groupsOf(results)).toEqual(expected);
      expect(groupsOf(results, "AmortizedCost")).toEqual(expected);

      const stageSum = (app: string) =>
        [...groupsOf(results).entries()]
          .filter(([id]) => id.endsWith(`sst:app$${app} sst:stage$pr-12`))
          .reduce((sum, [, amount]) => sum + amount, 0n);
      expect(fixed10(stageSum("shop"))).toBe("23.4555000000"); // 1.2345 × 19 days
      expect(fixed10(stageSum("api"))).toBe("5.0000000000"); // 0.5 × 10 days
      const first = results[0]?.Groups?.find((g) => g.Keys?.[1] === "sst:stage$pr-12");
      expect(first?.Keys).toEqual(["sst:app$shop", "sst:stage$pr-12"]);
      expect(first?.Metrics?.UnblendedCost).toEqual({ Amount: "1.2345000000", Unit: "USD" });
    });
  });

  it("keeps today, yesterday and the day before Estimated, and makes a day final as the clock moves 3 days", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const input = { ...byAppAndStage, TimePeriod: { Start: "2026-11-16", End: "2026-11-21" } };
      const before = (await ce(sandbox).send(new GetCostAndUsageCommand(input))).ResultsByTime ?? [];
      expect(before.map((r) => [r.TimePeriod?.Start, r.Estimated, r.Groups?.length])).toEqual([
        ["2026-11-16", false, 3],
        ["2026-11-17", false, 3],
        ["2026-11-18", true, 3],
        ["2026-11-19", true, 3],
        ["2026-11-20", true, 0],
      ]);
      expect((await control(sandbox, "clock", { advance: "P3D" })).status).toBe(200);
      const after = (await ce(sandbox).send(new GetCostAndUsageCommand(input))).ResultsByTime ?? [];
      expect(after.map((r) => [r.TimePeriod?.Start, r.Estimated, r.Groups?.length])).toEqual([
        ["2026-11-16", false, 3],
        ["2026-11-17", false, 3],
        ["2026-11-18", false, 3],
        ["2026-11-19", false, 3],
        ["2026-11-20", false, 3],
      ]);
    });
  });

  it("pages groups at the configured page size; a changed request or a garbage token is refused", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const client = ce(sandbox);
      const whole = await client.send(new GetCostAndUsageCommand(byAppAndStage));
      expect((await control(sandbox, "cost-explorer/page-size", { groups: 5 })).status).toBe(200);
      const pages: GetCostAndUsageCommandOutput[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new GetCostAndUsageCommand({ ...byAppAndStage, NextPageToken: token }),
        );
        pages.push(page);
        token = page.NextPageToken;
      } while (token);
      // 19 days of shop and of untagged spend, 10 of api: 48 groups in pages of 5.
      expect(pages).toHaveLength(10);
      const perPage = pages.map((p) =>
        (p.ResultsByTime ?? []).reduce((n, r) => n + (r.Groups?.length ?? 0), 0),
      );
      expect(perPage).toEqual([5, 5, 5, 5, 5, 5, 5, 5, 5, 3]);
      expect(groupsOf(pages.flatMap((p) => p.ResultsByTime ?? []))).toEqual(
        groupsOf(whole.ResultsByTime ?? []),
      );
      // Time order across pages; today's empty bucket rides on the last page.
      const starts = pages.flatMap((p) => (p.ResultsByTime ?? []).map((r) => r.TimePeriod?.Start ?? ""));
      expect([...starts].sort()).toEqual(starts);
      expect(pages.at(-1)?.ResultsByTime?.at(-1)?.TimePeriod?.Start).toBe("2026-11-20");

      const second = pages[0]?.NextPageToken;
      await expect(
        client.send(
          new GetCostAndUsageCommand({ ...byAppAndStage, Metrics: ["UnblendedCost"], NextPageToken: second }),
        ),
      ).rejects.toMatchObject({ name: "RequestChangedException", $metadata: { httpStatusCode: 400 } });
      await expect(
        client.send(new GetCostAndUsageCommand({ ...byAppAndStage, NextPageToken: "garbage" })),
      ).rejects.toMatchObject({ name: "InvalidNextTokenException", $metadata: { httpStatusCode: 400 } });
    });
  });

  it("groups everything under key$ for an inactive cost allocation tag", async () => {
    const seed = testSeed({
      accounts: [
        {
          id: DEV,
          name: "dev",
          regions: ["us-east-1", "eu-west-1"],
          untaggedDaily: "3.10",
          costTags: { "sst:app": "Active", "sst:stage": "Inactive" },
        },
        { id: PROD, name: "prod", regions: ["us-east-1"] },
      ],
    });
    await withSandbox(seed, async (sandbox) => {
      const output = await ce(sandbox).send(
        new GetCostAndUsageCommand({
          ...byAppAndStage,
          TimePeriod: { Start: "2026-11-12", End: "2026-11-13" },
        }),
      );
      expect(groupsOf(output.ResultsByTime ?? [])).toEqual(
        new Map([
          ["2026-11-12 sst:app$ sst:stage$", UNTAGGED],
          ["2026-11-12 sst:app$api sst:stage$", API],
          ["2026-11-12 sst:app$shop sst:stage$", SHOP],
        ]),
      );
      const inactive = await ce(sandbox).send(new ListCostAllocationTagsCommand({ Status: "Inactive" }));
      expect(inactive.CostAllocationTags?.map((t) => t.TagKey)).toContain("sst:stage");
      // Filtering on an inactive tag sees no tag at all.
      const absent = await ce(sandbox).send(
        new GetCostAndUsageCommand(daily({ Tags: { Key: "sst:stage", MatchOptions: ["ABSENT"] } })),
      );
      expect(totals(absent)).toEqual([fixed10(UNTAGGED + SHOP + API), fixed10(UNTAGGED + SHOP + API)]);
    });
  });

  it("splits MONTHLY buckets at calendar months and at the period's bounds", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const input: GetCostAndUsageCommandInput = {
        TimePeriod: { Start: "2026-10-15", End: "2026-12-01" },
        Granularity: "MONTHLY",
        Metrics: ["BlendedCost"],
      };
      const output = await ce(sandbox).send(new GetCostAndUsageCommand(input));
      expect(output.ResultsByTime).toEqual([
        {
          TimePeriod: { Start: "2026-10-15", End: "2026-11-01" },
          Total: { BlendedCost: { Amount: fixed10(17n * UNTAGGED), Unit: "USD" } },
          Groups: [],
          Estimated: false,
        },
        {
          TimePeriod: { Start: "2026-11-01", End: "2026-12-01" },
          Total: { BlendedCost: { Amount: fixed10(19n * (UNTAGGED + SHOP) + 10n * API), Unit: "USD" } },
          Groups: [],
          Estimated: true,
        },
      ]);
      expect(fixed10(19n * (UNTAGGED + SHOP) + 10n * API)).toBe("87.3555000000");
      const grouped = await ce(sandbox).send(
        new GetCostAndUsageCommand({ ...input, GroupBy: [{ Type: "TAG", Key: "sst:stage" }] }),
      );
      expect(groupsOf(grouped.ResultsByTime ?? [], "BlendedCost")).toEqual(
        new Map([
          ["2026-10-15 sst:stage$", 17n * UNTAGGED],
          ["2026-11-01 sst:stage$", 19n * UNTAGGED],
          ["2026-11-01 sst:stage$pr-12", 19n * SHOP + 10n * API],
        ]),
      );
    });
  });

  it("filters on tags with EQUALS, ABSENT, And, Or and Not; two roots is a ValidationException", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const client = ce(sandbox);
      const run = async (filter: Expression) =>
        totals(await client.send(new GetCostAndUsageCommand(daily(filter))));
      const twice = (amount: bigint) => [fixed10(amount), fixed10(amount)];
      expect(await run({ Tags: { Key: "sst:stage", MatchOptions: ["ABSENT"] } })).toEqual(twice(UNTAGGED));
      expect(
        await run({
          And: [
            { Tags: { Key: "sst:app", Values: ["shop"], MatchOptions: ["EQUALS"] } },
            { Tags: { Key: "sst:stage", Values: ["pr-12"] } },
          ],
        }),
      ).toEqual(twice(SHOP));
      expect(await run({ Not: { Tags: { Key: "sst:stage", MatchOptions: ["ABSENT"] } } })).toEqual(
        twice(SHOP + API),
      );
      expect(
        await run({
          Or: [
            { Tags: { Key: "sst:app", Values: ["api"] } },
            { Tags: { Key: "sst:app", MatchOptions: ["ABSENT"] } },
          ],
        }),
      ).toEqual(twice(API + UNTAGGED));
      expect(await run({ Dimensions: { Key: "LINKED_ACCOUNT", Values: [DEV] } })).toEqual(
        twice(UNTAGGED + SHOP + API),
      );

      await expect(
        run({
          Tags: { Key: "sst:stage", Values: ["pr-12"] },
          Dimensions: { Key: "LINKED_ACCOUNT", Values: [DEV] },
        }),
      ).rejects.toMatchObject({
        name: "ValidationException",
        message: expect.stringMatching(
          /^Expression has more than one roots\. Only one root operator is allowed/,
        ),
        $metadata: { httpStatusCode: 400 },
      });
      await expect(run({ And: [{ Tags: { Key: "sst:app", Values: ["shop"] } }] })).rejects.toMatchObject({
        name: "ValidationException",
        message: "And expression must have at least 2 operands",
      });
    });
  });

  it("validates TimePeriod, Granularity, Metrics and GroupBy with ValidationException", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const client = ce(sandbox);
      const base: GetCostAndUsageCommandInput = {
        TimePeriod: { Start: "2026-11-01", End: "2026-11-10" },
        Granularity: "DAILY",
        Metrics: ["UnblendedCost"],
      };
      const cases: [Partial<GetCostAndUsageCommandInput>, RegExp][] = [
        [{ Granularity: "HOURLY" }, /Hourly/],
        [{ Metrics: [] }, /Metrics/],
        [{ Metrics: ["Dollars"] }, /Dollars/],
        [
          { TimePeriod: { Start: "2026-11-05", End: "2026-11-05" } },
          /^Start date \(and hour\) should be before end date/,
        ],
        [{ TimePeriod: { Start: "2026-11-1", End: "2026-11-05" } }, /failed to satisfy constraint/],
        [{ TimePeriod: { Start: "2026-11-21", End: "2026-11-25" } }, /current date/],
        [
          { TimePeriod: { Start: "2026-11-01", End: "2026-12-02" } },
          /^end date past the beginning of next month$/,
        ],
        [
          {
            GroupBy: [
              { Type: "TAG", Key: "a" },
              { Type: "TAG", Key: "b" },
              { Type: "TAG", Key: "c" },
            ],
          },
          /up to two/,
        ],
        [{ GroupBy: [{ Type: "SERVICE" as "TAG", Key: "x" }] }, /^Group Definition type is invalid\.$/],
      ];
      for (const [change, message] of cases) {
        await expect(client.send(new GetCostAndUsageCommand({ ...base, ...change }))).rejects.toMatchObject({
          name: "ValidationException",
          message: expect.stringMatching(message),
          $metadata: { httpStatusCode: 400 },
        });
      }
      // End on the first day of next month is allowed; the days after today come back empty.
      const month = await client.send(
        new GetCostAndUsageCommand({ ...base, TimePeriod: { Start: "2026-11-19", End: "2026-12-01" } }),
      );
      expect(totals(month)).toEqual([
        fixed10(UNTAGGED + SHOP + API),
        ...days("2026-11-20", "2026-12-01").map(() => fixed10(0n)),
      ]);
    });
  });

  it("shows each account only its own costs", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const output = await ce(sandbox, `sandbox-${PROD}`).send(
        new GetCostAndUsageCommand({
          TimePeriod: { Start: "2026-11-01", End: "2026-11-03" },
          Granularity: "DAILY",
          Metrics: ["UnblendedCost"],
          GroupBy: [{ Type: "TAG", Key: "sst:stage" }],
        }),
      );
      expect(groupsOf(output.ResultsByTime ?? [])).toEqual(
        new Map([
          ["2026-11-01 sst:stage$production", PRODUCTION],
          ["2026-11-02 sst:stage$production", PRODUCTION],
        ]),
      );
    });
  });
});

describe("Cost Explorer forecasts and tags", () => {
  it("forecasts the run rate of the last 7 final days, ±10%, from today on", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const client = ce(sandbox);
      const rate = UNTAGGED + SHOP + API; // every day of 2026-11-11..17 holds all three
      const output = await client.send(
        new GetCostForecastCommand({
          TimePeriod: { Start: "2026-11-20", End: "2026-12-01" },
          Metric: "UNBLENDED_COST",
          Granularity: "DAILY",
        }),
      );
      expect(output.Total).toEqual({ Amount: fixed10(11n * rate), Unit: "USD" });
      expect(output.ForecastResultsByTime).toHaveLength(11);
      expect(output.ForecastResultsByTime?.[0]).toEqual({
        TimePeriod: { Start: "2026-11-20", End: "2026-11-21" },
        MeanValue: "4.8345000000",
        PredictionIntervalLowerBound: "4.3510500000",
        PredictionIntervalUpperBound: "5.3179500000",
      });
      const monthly = await client.send(
        new GetCostForecastCommand({
          TimePeriod: { Start: "2026-11-20", End: "2027-01-01" },
          Metric: "AMORTIZED_COST",
          Granularity: "MONTHLY",
          Filter: { Tags: { Key: "sst:app", Values: ["api"] } },
        }),
      );
      expect(monthly.ForecastResultsByTime?.map((r) => [r.TimePeriod?.Start, r.MeanValue])).toEqual([
        ["2026-11-20", fixed10(11n * API)],
        ["2026-12-01", fixed10(31n * API)],
      ]);
      expect(monthly.Total?.Amount).toBe(fixed10(42n * API));
      await expect(
        client.send(
          new GetCostForecastCommand({
            TimePeriod: { Start: "2026-11-19", End: "2026-12-01" },
            Metric: "UNBLENDED_COST",
            Granularity: "DAILY",
          }),
        ),
      ).rejects.toMatchObject({ name: "ValidationException", $metadata: { httpStatusCode: 400 } });
      await expect(
        client.send(
          new GetCostForecastCommand({
            TimePeriod: { Start: "2026-11-20", End: "2026-12-01" },
            Metric: "UnblendedCost" as "UNBLENDED_COST",
            Granularity: "DAILY",
          }),
        ),
      ).rejects.toMatchObject({ name: "ValidationException" });
    });
  });

  it("lists cost allocation tags by status, type and key, paged by NextToken", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const client = ce(sandbox);
      const all = await client.send(new ListCostAllocationTagsCommand({}));
      expect(all.NextToken).toBeUndefined();
      expect(all.CostAllocationTags?.map((t) => [t.TagKey, t.Type, t.Status])).toEqual([
        ["aws:createdBy", "AWSGenerated", "Inactive"],
        ["sst:app", "UserDefined", "Active"],
        ["sst:stage", "UserDefined", "Active"],
      ]);
      const pattern = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(([+-]\d\d:\d\d)|Z)$/;
      expect(all.CostAllocationTags?.every((t) => pattern.test(t.LastUpdatedDate ?? ""))).toBe(true);
      const userDefined = await client.send(
        new ListCostAllocationTagsCommand({ Type: "UserDefined", Status: "Active" }),
      );
      expect(userDefined.CostAllocationTags?.map((t) => t.TagKey)).toEqual(["sst:app", "sst:stage"]);
      const named = await client.send(new ListCostAllocationTagsCommand({ TagKeys: ["sst:stage"] }));
      expect(named.CostAllocationTags?.map((t) => t.TagKey)).toEqual(["sst:stage"]);

      const pages = [];
      for await (const page of paginateListCostAllocationTags({ client, pageSize: 1 }, {})) pages.push(page);
      expect(pages.map((p) => p.CostAllocationTags?.map((t) => t.TagKey))).toEqual([
        ["aws:createdBy"],
        ["sst:app"],
        ["sst:stage"],
      ]);
      await expect(
        client.send(new ListCostAllocationTagsCommand({ MaxResults: 1001 })),
      ).rejects.toMatchObject({
        name: "ValidationException",
      });
      await expect(
        client.send(new ListCostAllocationTagsCommand({ NextToken: "nope" })),
      ).rejects.toMatchObject({
        name: "InvalidNextTokenException",
      });
    });
  });

  it("GetTags lists the active keys spend carries, or one key's values with '' for untagged spend", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const client = ce(sandbox);
      const TimePeriod = { Start: "2026-11-01", End: "2026-11-21" };
      const keys = await client.send(new GetTagsCommand({ TimePeriod }));
      expect(keys).toMatchObject({ Tags: ["sst:app", "sst:stage"], ReturnSize: 2, TotalSize: 2 });
      const apps = await client.send(new GetTagsCommand({ TimePeriod, TagKey: "sst:app" }));
      expect(apps.Tags).toEqual(["", "api", "shop"]);
      const searched = await client.send(
        new GetTagsCommand({ TimePeriod, TagKey: "sst:app", SearchString: "sh" }),
      );
      expect(searched.Tags).toEqual(["shop"]);
      const early = await client.send(
        new GetTagsCommand({ TimePeriod: { Start: "2026-11-01", End: "2026-11-05" }, TagKey: "sst:app" }),
      );
      expect(early.Tags).toEqual(["", "shop"]);
    });
  });

  it("answers throttling with LimitExceededException, which the SDK retries; DataUnavailableException is not", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const fault = { service: "cost-explorer", operation: "GetCostAndUsage", kind: "throttle", count: 1 };
      expect((await control(sandbox, "faults", fault)).status).toBe(200);
      const retried = await ce(sandbox, "sandbox", 2).send(new GetCostAndUsageCommand(byAppAndStage));
      expect(retried.$metadata.attempts).toBe(2);
      expect(retried.ResultsByTime).toHaveLength(20);

      await control(sandbox, "faults", fault);
      await expect(ce(sandbox).send(new GetCostAndUsageCommand(byAppAndStage))).rejects.toMatchObject({
        name: "LimitExceededException",
        $metadata: { httpStatusCode: 400 },
      });

      expect((await control(sandbox, "cost-explorer/unavailable", { count: 1 })).status).toBe(200);
      await expect(
        ce(sandbox, "sandbox", 3).send(new GetCostAndUsageCommand(byAppAndStage)),
      ).rejects.toMatchObject({
        name: "DataUnavailableException",
        $metadata: { httpStatusCode: 400, attempts: 1 },
      });
      const recovered = await ce(sandbox).send(new GetCostAndUsageCommand(byAppAndStage));
      expect(recovered.ResultsByTime).toHaveLength(20);
    });
  });
});
