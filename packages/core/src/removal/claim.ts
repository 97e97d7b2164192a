import type { SQSClient } from "@aws-sdk/client-sqs";
import { type GateDeps, type GateRequest, type GateResult, passGate } from "./gate.js";
import { enqueueRemoval } from "./request.js";

export interface RemovalQueue {
  sqs: SQSClient;
  url: string;
}

/**
 * What every surface does to remove a stage: pass the gate, then hand the claim to the removal worker through
 * the queue. A failed send leaves the claim in place; the next run's reconciliation hands it over again.
 */
export async function claimAndQueue(
  deps: GateDeps,
  request: GateRequest,
  queue: RemovalQueue,
): Promise<GateResult> {
  const result = await passGate(deps, request);
  if (result.outcome === "claimed") {
    const { account, region, app, stage } = request.key;
    await enqueueRemoval(queue.sqs, queue.url, { removalId: result.removalId, account, region, app, stage });
  }
  return result;
}
