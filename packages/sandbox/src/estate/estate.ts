import { type Money, parseMoney } from "@stagekeeper/core/money";
import type { Clock } from "../clock.js";
import type { Seed } from "../seed/schema.js";
import type { Bucket } from "./storage.js";
import { VersionedMap } from "./versioned.js";

export interface Account {
  id: string;
  name: string;
  regions: string[];
  roles: string[];
  untaggedDaily: Money;
  costTags: Record<"sst:app" | "sst:stage", "Active" | "Inactive">;
}

/** Who a set of credentials acts as. */
export interface Principal {
  account: string;
  arn: string;
  secretAccessKey?: string;
  expiresAt?: Date;
}

export interface TaggedResource {
  arn: string;
  account: string;
  /** The region whose Tagging endpoint returns it (global resources: us-east-1). */
  region: string;
  /** As the Tagging API's ResourceTypeFilters name it: "lambda:function", "s3", ... */
  type: string;
  tags: Record<string, string>;
}

/** Daily spend of one (account, app, stage); app and stage undefined for untagged spend. */
export interface CostStream {
  account: string;
  app: string;
  stage: string;
  daily: Money;
  series: Map<string, Money>;
  /** First and last UTC dates (inclusive) with spend. */
  from: string;
  until?: string;
}

export interface App {
  name: string;
  repository: string;
  branch: string;
  protect: Set<string>;
}

/** Where one stage's SST state lives. */
export interface StageLocation {
  account: string;
  region: string;
  app: string;
  stage: string;
  bucket: string;
  gzip: boolean;
}

/** The emulated AWS estate and Slack workspace: shared by every service of one sandbox. */
export class Estate {
  readonly accounts = new Map<string, Account>();
  readonly credentials = new Map<string, Principal>();
  readonly buckets = new Map<string, Bucket>();
  /** `${account}/${region}/${name}` → value. */
  readonly parameters = new Map<string, { value: string; version: number; modified: Date }>();
  /** `${account}` → arn → resource. */
  readonly resources = new Map<string, VersionedMap<string, TaggedResource>>();
  /** `${account}\t${app}\t${stage}` → stream. */
  readonly costs = new Map<string, CostStream>();
  readonly apps = new Map<string, App>();
  /** `${account}/${region}/${app}/${stage}` → where its state is. */
  readonly stages = new Map<string, StageLocation>();

  constructor(
    readonly seed: Seed,
    readonly clock: Clock,
  ) {
    for (const account of seed.accounts) {
      this.accounts.set(account.id, {
        id: account.id,
        name: account.name,
        regions: account.regions,
        roles: account.roles,
        untaggedDaily: parseMoney(account.untaggedDaily),
        costTags: account.costTags,
      });
      this.resources.set(account.id, new VersionedMap());
      const arn = `arn:aws:iam::${account.id}:user/sandbox`;
      this.credentials.set(`sandbox-${account.id}`, { account: account.id, arn });
    }
    const home = seed.accounts[0];
    if (home)
      this.credentials.set("sandbox", { account: home.id, arn: `arn:aws:iam::${home.id}:user/sandbox` });
    for (const app of seed.apps) {
      this.apps.set(app.name, { ...app, protect: new Set(app.protect) });
    }
  }

  /** The principal behind an access key id; undefined when the key is unknown or expired. */
  principal(accessKeyId: string | undefined): Principal | undefined {
    if (!accessKeyId) return undefined;
    const principal = this.credentials.get(accessKeyId);
    if (principal?.expiresAt && principal.expiresAt <= this.clock.now()) return undefined;
    return principal;
  }

  bucket(name: string): Bucket | undefined {
    return this.buckets.get(name);
  }

  addBucket(name: string, account: string, region: string): Bucket {
    const existing = this.buckets.get(name);
    if (existing) return existing;
    const bucket: Bucket = { name, account, region, objects: new VersionedMap() };
    this.buckets.set(name, bucket);
    return bucket;
  }

  accountResources(account: string): VersionedMap<string, TaggedResource> {
    let map = this.resources.get(account);
    if (!map) {
      map = new VersionedMap();
      this.resources.set(account, map);
    }
    return map;
  }

  /** Spend of one stream on one UTC date. */
  costOn(stream: CostStream, date: string): Money {
    if (date < stream.from || (stream.until !== undefined && date > stream.until)) return 0n;
    return stream.series.get(date) ?? stream.daily;
  }
}

export function stageKey(account: string, region: string, app: string, stage: string): string {
  return `${account}/${region}/${app}/${stage}`;
}

export function costKey(account: string, app: string, stage: string): string {
  return `${account}\t${app}\t${stage}`;
}
