import {
  GetResourcesCommand,
  type GetResourcesCommandOutput,
  paginateGetResources,
  ResourceGroupsTaggingAPIClient,
  type ResourceTagMapping,
} from "@aws-sdk/client-resource-groups-tagging-api";
import { describe, expect, it } from "vitest";
import type { Sandbox } from "../src/index.js";
import { clientConfig, DEV, PROD, testSeed, withSandbox } from "./fixtures.js";

const client = (sandbox: Sandbox, region = "us-east-1", accessKeyId = "sandbox", maxAttempts = 1) =>
  new ResourceGroupsTaggingAPIClient({ ...clientConfig(sandbox, region, accessKeyId), maxAttempts });

async function all(
  tagging: ResourceGroupsTaggingAPIClient,
  input: Parameters<typeof paginateGetResources>[1] = {},
  pageSize?: number,
): Promise<{ mappings: ResourceTagMapping[]; pages: GetResourcesCommandOutput[] }> {
  const pages: GetResourcesCommandOutput[] = [];
  const paginator = paginateGetResources({ client: tagging, ...(pageSize ? { pageSize } : {}) }, input);
  for await (const page of paginator) pages.push(page);
  return { mappings: pages.flatMap((page) => page.ResourceTagMappingList ?? []), pages };
}

const tagsOf = (mapping: ResourceTagMapping) =>
  Object.fromEntries((mapping.Tags ?? []).map((tag) => [tag.Key, tag.Value]));

async function control(sandbox: Sandbox, path: string, body: unknown): Promise<Response> {
  return fetch(`${sandbox.url}/_sandbox/${path}`, { method: "POST", body: JSON.stringify(body) });
}

const BULK = 25_000;
const BULK_TYPES = [
  { type: "lambda:function", arn: (i: number) => `arn:aws:lambda:us-east-1:${DEV}:function:bulk-${i}` },
  { type: "dynamodb:table", arn: (i: number) => `arn:aws:dynamodb:us-east-1:${DEV}:table/bulk-${i}` },
  { type: "s3", arn: (i: number) => `arn:aws:s3:::bulk-${i}` },
];

function addBulk(sandbox: Sandbox, count = BULK): void {
  const resources = sandbox.estate.accountResources(DEV);
  for (let i = 0; i < count; i++) {
    const kind = BULK_TYPES[i % BULK_TYPES.length];
    if (!kind) throw new Error("unreachable");
    const arn = kind.arn(i);
    const tags = { "sst:app": "bulk", "sst:stage": `pr-${i % 250}` };
    resources.set(arn, { arn, account: DEV, region: "us-east-1", type: kind.type, tags });
  }
}

describe("Tagging GetResources", () => {
  it("pages through 25,000 resources to the end in ARN order, ending on an empty token", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      addBulk(sandbox);
      const expected = [...sandbox.estate.accountResources(DEV).values()]
        .filter((r) => r.region === "us-east-1")
        .map((r) => r.arn)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(expected.length).toBeGreaterThan(BULK);

      const { mappings, pages } = await all(client(sandbox), {}, 100);
      const arns = mappings.map((m) => m.ResourceARN);
      expect(arns).toEqual(expected);
      expect(pages).toHaveLength(Math.ceil(expected.length / 100));
      expect(pages.at(-1)?.PaginationToken).toBe("");
      expect(pages.slice(0, -1).every((page) => (page.PaginationToken ?? "").length > 0)).toBe(true);
      expect(sandbox.requests.get("tagging.GetResources")).toBe(pages.length);

      const byDefault = await client(sandbox).send(new GetResourcesCommand({}));
      expect(byDefault.ResourceTagMappingList).toHaveLength(50);
    });
  }, 60_000);

  it("filters by tag (ANDed filters, ORed values, a bare key matches any value) and by resource type", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const bulk = 3_000;
      addBulk(sandbox, bulk);
      const tagging = client(sandbox);
      const stages = await all(tagging, {
        TagFilters: [
          { Key: "sst:app", Values: ["bulk"] },
          { Key: "sst:stage", Values: ["pr-3", "pr-7"] },
        ],
      });
      // pr-3 and pr-7 each tag every 250th resource.
      expect(stages.mappings).toHaveLength((2 * bulk) / 250);
      expect(new Set(stages.mappings.map((m) => tagsOf(m)["sst:stage"]))).toEqual(new Set(["pr-3", "pr-7"]));

      const anyStage = await all(tagging, { TagFilters: [{ Key: "sst:stage" }] }, 100);
      const everything = await all(tagging, {}, 100);
      expect(anyStage.mappings).toHaveLength(everything.mappings.length);
      const none = await all(tagging, { TagFilters: [{ Key: "team" }] });
      expect(none.mappings).toHaveLength(0);

      const lambdas = await all(tagging, {
        ResourceTypeFilters: ["lambda:function"],
        TagFilters: [{ Key: "sst:app", Values: ["bulk"] }],
      });
      expect(lambdas.mappings).toHaveLength(bulk / 3);
      expect(lambdas.mappings.every((m) => m.ResourceARN?.startsWith("arn:aws:lambda:"))).toBe(true);

      const byService = await all(tagging, { ResourceTypeFilters: ["s3", "lambda"] }, 100);
      const services = new Set(byService.mappings.map((m) => m.ResourceARN?.split(":")[2]));
      expect(services).toEqual(new Set(["s3", "lambda"]));
    });
  });

  it("answers for the caller's account and region; a global resource only in us-east-1", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const shopPr12 = { Key: "sst:app", Values: ["api"] };
      const east = await all(client(sandbox, "us-east-1"), { TagFilters: [shopPr12] });
      const west = await all(client(sandbox, "eu-west-1"), { TagFilters: [shopPr12] });
      // api/pr-12 lives in eu-west-1; its CloudFront distribution is global and answers in us-east-1.
      expect(east.mappings.map((m) => m.ResourceARN)).toEqual([
        expect.stringMatching(/^arn:aws:cloudfront::111111111111:distribution\//),
      ]);
      expect(west.mappings.length).toBeGreaterThan(0);
      expect(
        west.mappings.every(
          (m) => m.ResourceARN?.includes(":eu-west-1:") || m.ResourceARN?.startsWith("arn:aws:s3:::"),
        ),
      ).toBe(true);
      expect(west.mappings.some((m) => m.ResourceARN?.includes("cloudfront"))).toBe(false);

      const prod = await all(client(sandbox, "us-east-1", `sandbox-${PROD}`));
      expect(prod.mappings.length).toBeGreaterThan(0);
      expect(prod.mappings.every((m) => tagsOf(m)["sst:stage"] === "production")).toBe(true);
      expect(prod.mappings.every((m) => !m.ResourceARN?.includes(DEV))).toBe(true);
    });
  });

  it("returns the resources a ResourceARNList names, and refuses it with pagination parameters", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const tagging = client(sandbox);
      const [first] = (await all(tagging)).mappings;
      const arn = first?.ResourceARN ?? "";
      const named = await tagging.send(
        new GetResourcesCommand({ ResourceARNList: [arn, `arn:aws:lambda:us-east-1:${DEV}:function:gone`] }),
      );
      expect(named.ResourceTagMappingList?.map((m) => m.ResourceARN)).toEqual([arn]);
      expect(named.PaginationToken).toBe("");
      const combined = tagging.send(
        new GetResourcesCommand({ ResourceARNList: [arn], ResourcesPerPage: 10 }),
      );
      await expect(combined).rejects.toMatchObject({
        name: "InvalidParameterException",
        $metadata: { httpStatusCode: 400 },
      });
    });
  });

  it("rejects ResourcesPerPage outside 1–100 with InvalidParameterException", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      for (const ResourcesPerPage of [0, 101]) {
        await expect(
          client(sandbox).send(new GetResourcesCommand({ ResourcesPerPage })),
        ).rejects.toMatchObject({
          name: "InvalidParameterException",
          message: "ResourcesPerPage must be between 1 and 100",
          $metadata: { httpStatusCode: 400 },
        });
      }
    });
  });

  it("expires a token after 15 minutes of sandbox time and refuses unknown tokens", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const tagging = client(sandbox);
      const first = await tagging.send(new GetResourcesCommand({ ResourcesPerPage: 2 }));
      const token = first.PaginationToken ?? "";
      expect(token).not.toBe("");
      await tagging.send(new GetResourcesCommand({ ResourcesPerPage: 2, PaginationToken: token }));
      const moved = await control(sandbox, "clock", { advance: "PT16M" });
      expect(moved.status).toBe(200);
      await expect(
        tagging.send(new GetResourcesCommand({ ResourcesPerPage: 2, PaginationToken: token })),
      ).rejects.toMatchObject({
        name: "PaginationTokenExpiredException",
        $metadata: { httpStatusCode: 400 },
      });
      await expect(
        tagging.send(new GetResourcesCommand({ PaginationToken: "not-a-token" })),
      ).rejects.toMatchObject({ name: "PaginationTokenExpiredException" });
    });
  });

  it("serves injected empty pages with a token; looping on the token still reaches everything", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const tagging = client(sandbox);
      const reference = await all(tagging, {}, 3);
      expect((await control(sandbox, "tagging/empty-pages", { count: 3 })).status).toBe(200);
      const { mappings, pages } = await all(tagging, {}, 3);
      const empty = pages.filter((page) => (page.ResourceTagMappingList ?? []).length === 0);
      expect(empty).toHaveLength(3);
      expect(empty.every((page) => (page.PaginationToken ?? "") !== "")).toBe(true);
      expect(pages).toHaveLength(reference.pages.length + 3);
      expect(mappings.map((m) => m.ResourceARN)).toEqual(reference.mappings.map((m) => m.ResourceARN));
    });
  });

  it("answers throttling with ThrottledException (400), which the SDK retries", async () => {
    await withSandbox(testSeed(), async (sandbox) => {
      const fault = { service: "tagging", operation: "GetResources", kind: "throttle", count: 1 };
      expect((await control(sandbox, "faults", fault)).status).toBe(200);
      await expect(client(sandbox).send(new GetResourcesCommand({}))).rejects.toMatchObject({
        name: "ThrottledException",
        $metadata: { httpStatusCode: 400, attempts: 1 },
      });
      await control(sandbox, "faults", fault);
      const retried = await client(sandbox, "us-east-1", "sandbox", 2).send(new GetResourcesCommand({}));
      expect(retried.$metadata.attempts).toBe(2);
      expect(retried.ResourceTagMappingList?.length).toBeGreaterThan(0);
    });
  });
});
