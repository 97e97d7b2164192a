import { gunzipSync } from "node:zlib";
import { z } from "zod";
import type { Protection } from "../stage/facts.js";

/** A file that is not what SST writes (not JSON, not gzip, not the shape): malformed, never acted on. */
export class NotStateError extends Error {}

/** SST 4.13+ may gzip any state object; such a body starts with the gzip magic bytes. */
export function decodeStateBody(body: Uint8Array): unknown {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  try {
    const text =
      bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString("utf8") : bytes.toString("utf8");
    return JSON.parse(text);
  } catch (error) {
    throw new NotStateError(error instanceof Error ? error.message : String(error));
  }
}

const time = z.string().refine((s) => !Number.isNaN(Date.parse(s)), "not a date");

// Only the members we read are kept (z.object strips the rest): a checkpoint's bulk is every resource's
// inputs and outputs, and copying them for 100,000 resources costs time and memory for nothing.
const resource = z.object({ type: z.string(), created: time.optional(), outputs: z.unknown().optional() });
const stackOutputs = z.object({ _protect: z.unknown() }).partial().catch({});

const checkpointDocument = z.object({
  checkpoint: z.object({
    latest: z
      .object({
        manifest: z.object({ time: time.optional() }).optional(),
        resources: z.array(resource).nullish(),
      })
      .nullish(),
  }),
});

export interface CheckpointFacts {
  live: boolean;
  createdAt?: Date;
  deployedAt?: Date;
  protect: Protection;
  resourceCount: number;
  resourceTypes: Record<string, number>;
}

/** What a stage's Pulumi checkpoint says; throws with the reason when it is not one. */
export function readCheckpoint(json: unknown): CheckpointFacts {
  const parsed = checkpointDocument.safeParse(json);
  if (!parsed.success)
    throw new NotStateError(`not a Pulumi checkpoint: ${parsed.error.issues[0]?.message ?? "bad shape"}`);
  const latest = parsed.data.checkpoint.latest;
  const resources = latest?.resources ?? [];
  const stack = resources.find((r) => r.type === "pulumi:pulumi:Stack");
  const owned = resources.filter(
    (r) => r.type !== "pulumi:pulumi:Stack" && !r.type.startsWith("pulumi:providers:"),
  );
  const created =
    stack?.created ??
    resources
      .map((r) => r.created)
      .filter((c) => c !== undefined)
      .sort()[0];
  const protect = stack ? stackOutputs.parse(stack.outputs ?? {})._protect : undefined;
  const resourceTypes: Record<string, number> = {};
  for (const r of owned) resourceTypes[r.type] = (resourceTypes[r.type] ?? 0) + 1;
  return {
    live: resources.length > 0,
    ...(created ? { createdAt: new Date(created) } : {}),
    ...(latest?.manifest?.time ? { deployedAt: new Date(latest.manifest.time) } : {}),
    // Older states (before SST v3.3.69) carry no _protect: unknown, never "not protected".
    protect: protect === true ? true : protect === false ? false : "unknown",
    resourceCount: owned.length,
    resourceTypes,
  };
}

const updateDocument = z.looseObject({
  id: z.string().optional(),
  runID: z.string().optional(),
  command: z.string(),
  timeStarted: time,
  timeCompleted: time.optional(),
});

export interface UpdateFacts {
  command: string;
  at: Date;
  /** SST rewrites the record with timeCompleted after the update's last checkpoint write. */
  completed: boolean;
  runId?: string;
}

export function readUpdate(json: unknown): UpdateFacts {
  const parsed = updateDocument.safeParse(json);
  if (!parsed.success) throw new NotStateError("not an SST update record");
  const { command, timeStarted, timeCompleted, runID } = parsed.data;
  return {
    command,
    at: new Date(timeCompleted ?? timeStarted),
    completed: timeCompleted !== undefined,
    ...(runID ? { runId: runID } : {}),
  };
}

const lockDocument = z.looseObject({
  created: time,
  updateID: z.string().optional(),
  runID: z.string().optional(),
  command: z.string().optional(),
});

export function readLock(json: unknown): {
  createdAt: Date;
  command?: string;
  updateId?: string;
  runId?: string;
} {
  const parsed = lockDocument.safeParse(json);
  if (!parsed.success) throw new NotStateError("not an SST lock");
  const { created, updateID, runID, command } = parsed.data;
  return {
    createdAt: new Date(created),
    ...(command ? { command } : {}),
    ...(updateID ? { updateId: updateID } : {}),
    ...(runID ? { runId: runID } : {}),
  };
}
