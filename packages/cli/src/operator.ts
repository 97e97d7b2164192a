import {
  claimedRecords,
  dispatcher,
  drainQueue,
  type Environment,
  ledgerOf,
  type ReconcileReport,
  type RunReport,
  reconcileRemovals,
  removalQueueOf,
  runDailyAndReport,
  targetLookup,
  type WorkerDeps,
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
  const report = await runDailyAndReport({ ...env, ...(progress ? { progress } : {}) });
  const results: WorkerResult[] = [];
  if (worker) {
    const handle = await workerFor(env, worker);
    const queue = await removalQueueOf(env);
    const collect = async (body: string) => {
      const result = await handle(body);
      if (isWorkerResult(result)) results.push(result);
    };
    await drainQueue(queue.sqs, queue.url, collect, { waitSeconds: 0 });
  }
  return { report, worker: results, ...(reconciled ? { reconciled } : {}) };
}

/** The removal worker's message handler, as the queue's Lambda runs it. */
export async function workerFor(
  env: Environment,
  worker?: WorkerDeps,
): Promise<(body: string) => Promise<unknown>> {
  const deps = worker ?? (await workerDepsOf(env));
  const target = await targetLookup(env.config, env.homeRegion);
  return dispatcher({ worker: deps, slack: { store: deps.store, config: env.config, now: env.now, target } });
}

function isWorkerResult(value: unknown): value is WorkerResult {
  return typeof value === "object" && value !== null && "action" in value && "removalId" in value;
}
