import {
  paginateGetResources,
  type ResourceGroupsTaggingAPIClient,
} from "@aws-sdk/client-resource-groups-tagging-api";
import type { QuotaPacer } from "../aws/pace.js";
import { isValidAppName, isValidStageName } from "../stage/key.js";

/** Services whose resources only the us-east-1 endpoint returns, whatever region the stage lives in. */
const GLOBAL_SERVICES = new Set(["cloudfront", "route53", "globalaccelerator"]);

/** Tagged resources per (app, stage) in one region, and how many carried tags SST could not have written. */
export interface TagCounts {
  counts: Map<string, number>;
  /** Resources with a global ARN (e.g. CloudFront), counted apart: they belong to the stage's home. */
  global: Map<string, number>;
  malformed: number;
}

/**
 * Counts SST-tagged resources by `sst:app` and `sst:stage`: 100 per page (the most the API allows), every
 * page paced to the Tagging API's quota, looping on the token (pages may be short or empty).
 */
export async function countTagged(
  client: ResourceGroupsTaggingAPIClient,
  pacer: QuotaPacer,
): Promise<TagCounts> {
  const result: TagCounts = { counts: new Map(), global: new Map(), malformed: 0 };
  const pages = paginateGetResources(
    { client, pageSize: 100 },
    { TagFilters: [{ Key: "sst:app" }, { Key: "sst:stage" }] },
  );
  const iterator = pages[Symbol.asyncIterator]();
  for (;;) {
    const { value: page, done } = await pacer.run(() => iterator.next());
    if (done) break;
    for (const mapping of page.ResourceTagMappingList ?? []) {
      let app = "";
      let stage = "";
      for (const tag of mapping.Tags ?? []) {
        if (tag.Key === "sst:app") app = tag.Value ?? "";
        else if (tag.Key === "sst:stage") stage = tag.Value ?? "";
      }
      if (!isValidAppName(app) || !isValidStageName(stage)) {
        result.malformed++;
        continue;
      }
      const pair = `${app}/${stage}`;
      const service = mapping.ResourceARN?.split(":")[2] ?? "";
      const target = GLOBAL_SERVICES.has(service) ? result.global : result.counts;
      target.set(pair, (target.get(pair) ?? 0) + 1);
    }
  }
  return result;
}
