import { codebuildClient, s3Client, sqsClient } from "../aws/clients.js";
import type { Config } from "../config/index.js";
import { LedgerStore } from "../ledger/store.js";
import { loadBuildspec } from "../removal/buildspec.js";
import type { RemovalQueue } from "../removal/claim.js";
import { queueUrl } from "../removal/request.js";
import type { WorkerDeps } from "../removal/worker.js";

/** Where Stagekeeper itself runs: its config, its clock, and the region of its own resources. */
export interface Environment {
  config: Config;
  now: Date;
  homeRegion: string;
}

export function homeRegion(): string {
  return process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
}

export function ledgerOf(env: Environment): LedgerStore {
  if (!env.config.ledger)
    throw new Error('no ledger bucket is configured: set "ledger": {"bucket": "..."} in the config');
  return new LedgerStore(s3Client({ region: env.homeRegion }), env.config.ledger.bucket);
}

export async function removalQueueOf(env: Environment): Promise<RemovalQueue> {
  if (!env.config.removal)
    throw new Error('no removal project is configured: set "removal": {"project": "..."}');
  const sqs = sqsClient({ region: env.homeRegion });
  return { sqs, url: await queueUrl(sqs, env.config.removal.queue) };
}

export async function workerDepsOf(env: Environment): Promise<WorkerDeps> {
  return {
    store: ledgerOf(env),
    config: env.config,
    now: env.now,
    codebuild: codebuildClient({ region: env.homeRegion }),
    buildspec: await loadBuildspec(),
  };
}
