import type { AccountTarget } from "../aws/accounts.js";
import { s3Client, ssmClient } from "../aws/clients.js";
import { firstKey } from "../aws/objects.js";
import type { StageFacts } from "../stage/facts.js";
import type { StageKey } from "../stage/key.js";
import { findStateBucket } from "./bucket.js";
import { readStage, stateReader } from "./read.js";

/**
 * Reads one stage's facts afresh, straight from its state bucket: what the safety gate looks at right before
 * it claims a removal. Undefined when the stage has no state at all. Any read error propagates: the caller
 * must not act on partial facts.
 */
export async function readStageNow(target: AccountTarget, key: StageKey): Promise<StageFacts | undefined> {
  const at = { region: key.region, ...(target.credentials ? { credentials: target.credentials } : {}) };
  const s3 = s3Client(at);
  const bucket = await findStateBucket(ssmClient(at));
  if (!bucket) return undefined;
  const base = `${key.app}/${key.stage}`;
  const [state, update, lock] = await Promise.all([
    firstKey(s3, bucket, `app/${base}.json`),
    firstKey(s3, bucket, `update/${base}/`),
    firstKey(s3, bucket, `lock/${base}.json`),
  ]);
  if (state?.key !== `app/${base}.json`) return undefined;
  const exactLock = lock?.key === `lock/${base}.json` ? lock.key : undefined;
  // No memory: the gate must see the files as they are now.
  const reader = stateReader({
    account: key.account,
    region: key.region,
    s3,
    bucket,
    run: (work) => work(),
  });
  return readStage(reader, key, state, update, exactLock);
}
