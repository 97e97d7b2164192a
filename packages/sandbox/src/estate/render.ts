import { gzipSync } from "node:zlib";
import { parseMoney } from "@stagekeeper/core/money";
import type { Seed, StageSeed } from "../seed/schema.js";
import { costKey, type Estate, type StageLocation, stageKey } from "./estate.js";
import { placeResource, shortHash, TYPICAL_TYPES } from "./resources.js";
import { checkpoint, updateId, updateRecord, writeStateObject } from "./state.js";
import { putObject } from "./storage.js";

/** Lays a seed out as the AWS account holds it: bootstrap parameters, state buckets, tags and spend. */
export function render(estate: Estate, seed: Seed): void {
  const now = estate.clock.now();
  for (const account of seed.accounts) {
    for (const extra of account.buckets) estate.addBucket(extra.name, account.id, extra.region);
    const homes = account.bootstrapRegions ?? [
      ...new Set(seed.stages.filter((s) => s.account === account.id).map((s) => s.region)),
    ];
    for (const region of homes) bootstrap(estate, account.id, region, now);
  }
  for (const stage of seed.stages) renderStage(estate, stage);
  for (const orphan of seed.orphans) {
    const at = { account: orphan.account, region: orphan.region, app: orphan.app, stage: orphan.stage };
    for (const spec of orphan.resources) tag(estate, placeResource(spec, at), at);
    if (orphan.cost) addCost(estate, at, orphan.cost, seed.now.slice(0, 10));
  }
  for (const object of seed.objects) {
    const bucket = estate.bucket(object.bucket);
    if (!bucket) throw new Error(`seed objects: no bucket ${object.bucket}`);
    const body = object.gzip ? gzipSync(object.body) : Buffer.from(object.body);
    putObject(bucket, object.key, body, now);
  }
}

export function stateBucketName(account: string, region: string): string {
  return `sst-state-${shortHash(`${account}/${region}`, 12)}`;
}

function bootstrap(estate: Estate, account: string, region: string, now: Date): void {
  const bucket = stateBucketName(account, region);
  estate.addBucket(bucket, account, region);
  const value = {
    version: "v2",
    asset: `sst-asset-${shortHash(`asset/${account}/${region}`, 12)}`,
    assetEcrRegistryId: account,
    assetEcrUrl: `${account}.dkr.ecr.${region}.amazonaws.com/sst-asset`,
    state: bucket,
  };
  estate.parameters.set(`${account}/${region}//sst/bootstrap`, {
    value: JSON.stringify(value),
    version: 1,
    modified: now,
  });
}

function renderStage(estate: Estate, seed: StageSeed): void {
  const bucket = stateBucketName(seed.account, seed.region);
  if (!estate.bucket(bucket)) bootstrap(estate, seed.account, seed.region, new Date(seed.createdAt));
  const at: StageLocation = { ...pick(seed), bucket, gzip: seed.gzip };
  estate.stages.set(stageKey(seed.account, seed.region, seed.app, seed.stage), at);
  const created = new Date(seed.createdAt);
  const updates = seed.updates ?? defaultUpdates(seed);
  const lastDeploy = updates.reduce(
    (t, u) => Math.max(t, new Date(u.timeCompleted ?? u.timeStarted).getTime()),
    0,
  );
  const modified = new Date(Math.max(lastDeploy, created.getTime()));
  const specs = Array.isArray(seed.resources)
    ? seed.resources
    : Array.from({ length: seed.resources }, (_, i) => ({
        type: TYPICAL_TYPES[i % TYPICAL_TYPES.length] ?? "aws:lambda/function:Function",
        name: `Resource${i}`,
        retain: false,
      }));
  const placed = specs.map((spec) => placeResource(spec, at));
  const stateKey = `app/${seed.app}/${seed.stage}.json`;
  if (seed.rawState !== undefined) writeStateObject(estate, at, stateKey, seed.rawState, modified);
  else
    writeStateObject(
      estate,
      at,
      stateKey,
      checkpoint(at, seed.live ? placed : [], seed.protect, created, modified),
      modified,
    );
  for (const update of updates) {
    const started = new Date(update.timeStarted);
    const id = update.id ?? updateId(started, `${stateKey}/${update.timeStarted}`);
    const completed = update.timeCompleted ? new Date(update.timeCompleted) : undefined;
    const record = updateRecord(id, update.command, started, completed, update.errors, update.runID);
    writeStateObject(estate, at, `update/${seed.app}/${seed.stage}/${id}.json`, record, completed ?? started);
  }
  if (seed.lock) {
    const created = new Date(seed.lock.created);
    const lock = {
      created: seed.lock.created,
      updateID: seed.lock.updateID ?? updateId(created, `lock/${stateKey}`),
      runID: seed.lock.runID ?? `run-${shortHash(stateKey)}`,
      command: seed.lock.command,
    };
    writeStateObject(estate, at, `lock/${seed.app}/${seed.stage}.json`, lock, created);
  }
  // A removed stage keeps only its retained resources, still tagged.
  for (const resource of placed) if (seed.live || resource.retain) tag(estate, resource, at);
  addCost(
    estate,
    at,
    seed.cost,
    seed.createdAt.slice(0, 10),
    seed.live ? undefined : modified.toISOString().slice(0, 10),
  );
}

function defaultUpdates(seed: StageSeed): NonNullable<StageSeed["updates"]> {
  const update = (time: string, command: "deploy" | "remove" = "deploy") => ({
    command,
    timeStarted: time,
    timeCompleted: new Date(new Date(time).getTime() + 90_000).toISOString(),
    errors: [],
  });
  const updates = [update(seed.createdAt)];
  if (seed.lastDeployedAt && seed.lastDeployedAt !== seed.createdAt)
    updates.push(update(seed.lastDeployedAt));
  if (!seed.live) {
    const at = new Date(new Date(updates.at(-1)?.timeCompleted ?? seed.createdAt).getTime() + 3_600_000);
    updates.push(update(at.toISOString(), "remove"));
  }
  return updates;
}

function tag(
  estate: Estate,
  resource: ReturnType<typeof placeResource>,
  at: { account: string; app: string; stage: string },
): void {
  if (!resource.tagging) return;
  estate.accountResources(at.account).set(resource.arn, {
    arn: resource.arn,
    account: at.account,
    region: resource.tagging.region,
    type: resource.tagging.type,
    tags: { "sst:app": at.app, "sst:stage": at.stage },
  });
}

function addCost(
  estate: Estate,
  at: { account: string; app: string; stage: string },
  cost: StageSeed["cost"],
  from: string,
  until?: string,
): void {
  const series = new Map(Object.entries(cost.series).map(([date, amount]) => [date, parseMoney(amount)]));
  const firstSeries = [...series.keys()].sort()[0];
  estate.costs.set(costKey(at.account, at.app, at.stage), {
    ...at,
    daily: parseMoney(cost.daily ?? "0"),
    series,
    from: firstSeries && firstSeries < from ? firstSeries : from,
    ...(until ? { until } : {}),
  });
}

function pick(seed: StageSeed) {
  return { account: seed.account, region: seed.region, app: seed.app, stage: seed.stage };
}
