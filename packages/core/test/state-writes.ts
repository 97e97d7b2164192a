// Writes to a sandbox state bucket the way SST does (SST-FACTS.md; pkg/project/run.go): an update's record
// first, then the checkpoint, then the record again with timeCompleted. Through the real S3 client.
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { Sandbox } from "@stagekeeper/sandbox";
import { s3Client } from "../src/aws/clients.js";

/** Where the sandbox keeps a stage's state, and its stored objects. */
export function stateOf(sandbox: Sandbox, app: string, stage: string) {
  const where = [...sandbox.estate.stages.values()].find((s) => s.app === app && s.stage === stage);
  if (!where) throw new Error(`no stage ${app}/${stage}`);
  return { ...where, objects: sandbox.estate.bucket(where.bucket)?.objects ?? new Map() };
}

/** An update id that sorts before every id the sandbox wrote, as SST's descending ids do for a newer one. */
function newerId(label: string): string {
  return `0000000000${label}`;
}

async function put(sandbox: Sandbox, app: string, stage: string, key: string, body: unknown) {
  const { bucket, region } = stateOf(sandbox, app, stage);
  await s3Client({ region }).send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(body) }),
  );
}

/** A completed update record and nothing else: an update that failed before it changed any resource. */
export async function recordUpdate(
  sandbox: Sandbox,
  app: string,
  stage: string,
  at: Date,
  label = "failed",
): Promise<void> {
  const id = newerId(label);
  await put(sandbox, app, stage, `update/${app}/${stage}/${id}.json`, {
    id,
    version: "3.19.3",
    command: "deploy",
    errors: [{ message: "the update failed" }],
    timeStarted: at.toISOString(),
    timeCompleted: at.toISOString(),
  });
}

/** The checkpoint rewritten with one more resource and the manifest time `at`, and nothing else. */
export async function addResource(sandbox: Sandbox, app: string, stage: string, at: Date): Promise<void> {
  const { bucket, region } = stateOf(sandbox, app, stage);
  const key = `app/${app}/${stage}.json`;
  const current = await s3Client({ region }).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const checkpoint = JSON.parse((await current.Body?.transformToString()) ?? "{}");
  checkpoint.checkpoint.latest.manifest.time = at.toISOString();
  checkpoint.checkpoint.latest.resources.push({
    urn: `urn:pulumi:${stage}::${app}::aws:sqs/queue:Queue::Added`,
    type: "aws:sqs/queue:Queue",
    custom: true,
    id: "added",
    created: at.toISOString(),
  });
  await put(sandbox, app, stage, key, checkpoint);
}

/** A redeploy that adds a resource: a new update record (its id sorts first) and the rewritten checkpoint. */
export async function redeploy(sandbox: Sandbox, app: string, stage: string, at: Date): Promise<void> {
  const id = newerId("redeploy");
  const key = `update/${app}/${stage}/${id}.json`;
  const record = { id, version: "3.19.3", command: "deploy", errors: [], timeStarted: at.toISOString() };
  await put(sandbox, app, stage, key, record);
  await addResource(sandbox, app, stage, at);
  await put(sandbox, app, stage, key, { ...record, timeCompleted: at.toISOString() });
}

/** A lock, as SST takes it when an update starts. */
export async function lock(sandbox: Sandbox, app: string, stage: string, at: Date): Promise<void> {
  await put(sandbox, app, stage, `lock/${app}/${stage}.json`, {
    created: at.toISOString(),
    updateID: newerId("locked"),
    command: "deploy",
  });
}

/** `sst remove` with `state.purge`: the checkpoint and every update record deleted. */
export async function purge(sandbox: Sandbox, app: string, stage: string): Promise<void> {
  const { bucket, region, objects } = stateOf(sandbox, app, stage);
  const s3 = s3Client({ region });
  const keys = [...objects.keys()].filter(
    (k) => k === `app/${app}/${stage}.json` || k.startsWith(`update/${app}/${stage}/`),
  );
  for (const key of keys) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}

/** A checkpoint written straight into `app/`, outside SST's update protocol (no update record). */
export async function writeCheckpointOnly(
  sandbox: Sandbox,
  like: { app: string; stage: string },
  stage: string,
): Promise<void> {
  const { bucket, region } = stateOf(sandbox, like.app, like.stage);
  const s3 = s3Client({ region });
  const from = await s3.send(
    new GetObjectCommand({ Bucket: bucket, Key: `app/${like.app}/${like.stage}.json` }),
  );
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: `app/${like.app}/${stage}.json`,
      Body: (await from.Body?.transformToString()) ?? "",
    }),
  );
}
