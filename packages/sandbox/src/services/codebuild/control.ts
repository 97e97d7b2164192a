import { json, type SandboxRequest, type SandboxResponse } from "../../http.js";
import type { Build } from "./builds.js";

/** A build for people and tests: readable times, the environment as a map, and the removal outcome. */
export function inspect(build: Build): Record<string, unknown> {
  return {
    id: build.id,
    arn: build.arn,
    project: build.project,
    account: build.account,
    region: build.region,
    buildNumber: build.buildNumber,
    buildStatus: build.status,
    currentPhase: build.phases.at(-1)?.type,
    buildComplete: build.complete,
    startTime: build.startTime.toISOString(),
    endTime: build.endTime?.toISOString(),
    initiator: build.initiator,
    source: build.source,
    sourceVersion: build.sourceVersion,
    environment: Object.fromEntries(build.env.map((v) => [v.name, v.value])),
    phases: build.phases.map((p) => ({
      phaseType: p.type,
      phaseStatus: p.status,
      startTime: p.start.toISOString(),
      endTime: p.end?.toISOString(),
      contexts: p.contexts,
    })),
    outcome: build.outcome ?? null,
  };
}

export function parse(req: SandboxRequest): Record<string, unknown> {
  return JSON.parse(req.body.toString("utf8") || "{}") as Record<string, unknown>;
}

export function count(value: unknown): number {
  if (!(typeof value === "number" && Number.isInteger(value) && value >= 0)) {
    throw new Error('send {"count": a whole number}');
  }
  return value;
}

export function guard(run: () => unknown): SandboxResponse {
  try {
    return json(200, run());
  } catch (error) {
    return json(400, { error: error instanceof Error ? error.message : String(error) });
  }
}
