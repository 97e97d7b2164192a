import { gzipSync } from "node:zlib";
import type { Estate, StageLocation } from "./estate.js";
import type { PlacedResource } from "./resources.js";
import { putObject } from "./storage.js";

/**
 * Writes SST state the way SST does (SST-FACTS.md): the Pulumi checkpoint under `app/`, one record per update
 * under `update/`, and the lock under `lock/`; gzipped when the stage's app compresses its state.
 */
export function writeStateObject(
  estate: Estate,
  at: StageLocation,
  key: string,
  value: unknown,
  time: Date,
): void {
  const bucket = estate.bucket(at.bucket);
  if (!bucket) throw new Error(`no state bucket ${at.bucket}`);
  const text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
  const body = at.gzip ? gzipSync(text) : Buffer.from(text);
  putObject(bucket, key, body, time, { contentType: "application/json" });
}

export function checkpoint(
  at: StageLocation,
  resources: PlacedResource[],
  protect: boolean | null,
  created: Date,
  modified: Date,
): unknown {
  const stackUrn = `urn:pulumi:${at.stage}::${at.app}::pulumi:pulumi:Stack::${at.app}-${at.stage}`;
  const stamp = { created: created.toISOString(), modified: modified.toISOString() };
  const live = resources.length > 0;
  const stack = {
    urn: stackUrn,
    custom: false,
    type: "pulumi:pulumi:Stack",
    outputs: protect === null ? {} : { _protect: protect },
    ...stamp,
  };
  const provider = {
    urn: `urn:pulumi:${at.stage}::${at.app}::pulumi:providers:aws::default_6_66_2`,
    custom: true,
    id: "00000000-0000-0000-0000-000000000000",
    type: "pulumi:providers:aws",
    inputs: { region: at.region },
    outputs: { region: at.region },
    parent: stackUrn,
    ...stamp,
  };
  const owned = resources.map((r) => {
    // Built property by property, not with spreads: a large estate writes 100,000 of these.
    const entry: Record<string, unknown> = {
      urn: `urn:pulumi:${at.stage}::${at.app}::${r.type}::${r.name}`,
      custom: true,
      id: r.id,
      type: r.type,
      inputs: { tags: { "sst:app": at.app, "sst:stage": at.stage } },
      outputs: { arn: r.arn, id: r.id },
      parent: stackUrn,
      protect: false,
    };
    if (r.retain) entry.retainOnDelete = true;
    entry.created = stamp.created;
    entry.modified = stamp.modified;
    return entry;
  });
  return {
    version: 3,
    checkpoint: {
      stack: `organization/${at.app}/${at.stage}`,
      latest: {
        manifest: { time: modified.toISOString(), magic: "sandbox", version: "v3.142.0" },
        secrets_providers: { type: "passphrase" },
        resources: live ? [stack, provider, ...owned] : [],
      },
    },
  };
}

/** Update ids sort newest first, as SST's descending ids do. */
export function updateId(time: Date, salt: string): string {
  const inverted = (2 ** 48 - 1 - time.getTime()).toString(36).padStart(10, "0");
  let hash = 0;
  for (const c of salt) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return `${inverted}${hash.toString(36).padStart(7, "0")}`;
}

export function updateRecord(
  id: string,
  command: string,
  timeStarted: Date,
  timeCompleted: Date | undefined,
  errors: string[] = [],
  runID?: string,
): unknown {
  return {
    id,
    ...(runID ? { runID } : {}),
    version: "3.19.3",
    command,
    errors,
    timeStarted: timeStarted.toISOString(),
    ...(timeCompleted ? { timeCompleted: timeCompleted.toISOString() } : {}),
  };
}
