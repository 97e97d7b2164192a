import {
  claimedRecords,
  drainQueue,
  type Environment,
  ledgerOf,
  type ReconcileReport,
  type RunReport,
  reconcileRemovals,
  removalHandler,
  removalQueueOf,
  runDaily,
  type WorkerResult,
  workerDepsOf,
} from "@stagekeeper/core";

export interface OperatorRun {
  report: RunReport;
  reconciled?: ReconcileReport;
  worker: WorkerResult[];
}

/**
 * The daily job run by hand. In AWS the removal worker is its own Lambda behind the queue; here the CLI plays
 * that part too: it settles removals in flight, runs the day, then hands what was queued to CodeBuild.
 */
export async function runAsOperator(
  env: Environment,
  progress?: (message: string) => void,
): Promise<OperatorRun> {
  const acting = env.config.ledger && env.config.removal && !env.config.dryRun;
  const worker = acting ? await workerDepsOf(env) : undefined;
  const reconciled = worker
    ? await reconcileRemovals(worker, await claimedRecords(ledgerOf(env)))
    : undefined;
  const report = await runDaily({ ...env, ...(progress ? { progress } : {}) });
  const results: WorkerResult[] = [];
  if (worker) {
    const queue = await removalQueueOf(env);
    const handle = removalHandler(worker);
    await drainQueue(queue.sqs, queue.url, async (body) => results.push(await handle(body)), {
      waitSeconds: 0,
    });
  }
  return { report, worker: results, ...(reconciled ? { reconciled } : {}) };
}
