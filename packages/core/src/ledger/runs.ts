import { z } from "zod";
import { gate } from "../util/concurrency.js";
import { type StageRecord, stageRecordSchema } from "./records.js";
import type { LedgerStore, Versioned } from "./store.js";

/** What a run leaves behind for trends, dashboards and quick Slack answers. */
export const runSnapshotSchema = z.looseObject({
  at: z.iso.datetime({ offset: true }),
  dryRun: z.boolean(),
  /** Live stages seen: the next run compares against it (the drop guard). */
  liveStages: z.number().int().min(0),
  suspended: z.string().optional(),
  plan: z.looseObject({ stages: z.array(z.unknown()) }),
  actions: z.looseObject({}),
});
export type RunSnapshot = z.infer<typeof runSnapshotSchema>;

export const LATEST_RUN = "runs/latest.json";

export async function latestRun(store: LedgerStore): Promise<RunSnapshot | undefined> {
  return (await store.get(LATEST_RUN, runSnapshotSchema))?.value;
}

/** Keeps the snapshot under its own time and as the latest; the latest only moves forward. */
export async function saveRun(store: LedgerStore, snapshot: RunSnapshot): Promise<void> {
  await store.put(`runs/${snapshot.at}.json`, snapshot, undefined);
  await store.update(LATEST_RUN, runSnapshotSchema, (current) =>
    current && current.at > snapshot.at ? undefined : snapshot,
  );
}

/** Every stage record, keyed by its ledger key. */
export async function readRecords(
  store: LedgerStore,
  concurrency = 32,
): Promise<Map<string, Versioned<StageRecord>>> {
  const run = gate(concurrency);
  const listed = await store.list("stages/");
  const records = await Promise.all(listed.map((l) => run(() => store.get(l.key, stageRecordSchema))));
  const byKey = new Map<string, Versioned<StageRecord>>();
  listed.forEach((l, i) => {
    const record = records[i];
    if (record) byKey.set(l.key, record);
  });
  return byKey;
}
