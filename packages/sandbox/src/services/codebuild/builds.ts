import type { OutcomeRecord } from "./contract.js";

export const PHASES = [
  "SUBMITTED",
  "QUEUED",
  "PROVISIONING",
  "DOWNLOAD_SOURCE",
  "INSTALL",
  "PRE_BUILD",
  "BUILD",
  "POST_BUILD",
  "UPLOAD_ARTIFACTS",
  "FINALIZING",
  "COMPLETED",
] as const;
export type PhaseType = (typeof PHASES)[number];
export type Status = "SUCCEEDED" | "FAILED" | "FAULT" | "TIMED_OUT" | "IN_PROGRESS" | "STOPPED";

export interface PhaseContext {
  statusCode: string;
  message: string;
}

export interface Phase {
  type: PhaseType;
  status?: Status;
  start: Date;
  end?: Date;
  contexts?: PhaseContext[];
}

export interface EnvVar {
  name: string;
  value: string;
  type: string;
}

export interface Build {
  id: string;
  uuid: string;
  arn: string;
  project: string;
  account: string;
  region: string;
  buildNumber: number;
  startTime: Date;
  endTime?: Date;
  phases: Phase[];
  status: Status;
  complete: boolean;
  env: EnvVar[];
  source: { type: string; location?: string; buildspec?: string };
  sourceVersion?: string;
  resolvedSourceVersion?: string;
  initiator: string;
  serviceRole: string;
  timeoutInMinutes: number;
  queuedTimeoutInMinutes: number;
  /** A generic failure forced through the control API. */
  forcedFailure?: string;
  /** A phase failed: the build ends FAILED once it has run its remaining phases. */
  failed: boolean;
  outcome?: OutcomeRecord;
}

/** What the build's commands did in one phase. */
export interface PhaseResult {
  status: Status;
  contexts?: PhaseContext[];
}

export interface BuildHooks {
  /** Runs the commands of a phase as it ends (the removal happens in BUILD). */
  runPhase(build: Build, phase: Phase, at: Date): PhaseResult;
  /** buildStatus changed: IN_PROGRESS at the start, then the final status. */
  stateChanged(build: Build, at: Date): void;
}

/**
 * The builds of one sandbox and their timeline. Each phase before COMPLETED lasts a tenth of `buildSeconds`;
 * QUEUED lasts longer while the account runs as many builds as its concurrency allows. The timeline moves on
 * sandbox-clock time, in time order across all builds, so a slot freed at T starts the next queued build at T
 * whenever the sandbox looks (a tick, a read, or after a clock jump), never by reads alone.
 */
export class BuildTimeline {
  readonly builds: Build[] = [];
  private readonly byId = new Map<string, Build>();
  /** The time of the last transition applied. */
  private simulated = 0;

  constructor(
    private readonly options: { phaseMs: number; concurrency: number },
    private readonly hooks: BuildHooks,
  ) {}

  get(id: string): Build | undefined {
    return this.byId.get(id);
  }

  /** Builds not yet complete in one account and region (quotas are regional): running and queued. */
  active(account: string, region: string): Build[] {
    return this.builds.filter((b) => b.account === account && b.region === region && !b.complete);
  }

  add(build: Build): void {
    this.builds.push(build);
    this.byId.set(build.id, build);
    this.simulated = Math.max(this.simulated, build.startTime.getTime());
    this.hooks.stateChanged(build, build.startTime);
  }

  advance(now: Date): void {
    const limit = now.getTime();
    for (;;) {
      const pending = this.builds.filter((b) => !b.complete);
      const running = new Map<string, number>();
      for (const build of pending) {
        if (!isWaiting(build)) running.set(slotKey(build), (running.get(slotKey(build)) ?? 0) + 1);
      }
      let next: { build: Build; at: number; free: boolean } | undefined;
      for (const build of pending) {
        const free = (running.get(slotKey(build)) ?? 0) < this.options.concurrency;
        const at = this.nextTransition(build, free);
        if (at !== undefined && at <= limit && (!next || at < next.at)) next = { build, at, free };
      }
      if (!next) return;
      this.simulated = Math.max(this.simulated, next.at);
      this.step(next.build, new Date(this.simulated), next.free);
    }
  }

  /** Stops a build now: the phase under way ends STOPPED and the build completes as STOPPED. */
  stop(build: Build, now: Date): void {
    if (build.complete) return;
    const current = build.phases.at(-1);
    if (current) close(current, now, "STOPPED");
    this.finish(build, now, "STOPPED");
  }

  /** When the build's current phase ends; a queued build starts once a slot is free, or times out. */
  private nextTransition(build: Build, slotFree: boolean): number | undefined {
    const current = build.phases.at(-1);
    if (!current) return undefined;
    const due = current.start.getTime() + this.options.phaseMs;
    if (current.type !== "QUEUED") return due;
    if (slotFree) return Math.max(due, this.simulated);
    return current.start.getTime() + build.queuedTimeoutInMinutes * 60_000;
  }

  private step(build: Build, at: Date, slotFree: boolean): void {
    const current = build.phases.at(-1);
    if (!current) return;
    if (current.type === "QUEUED" && !slotFree) {
      close(current, at, "TIMED_OUT", [
        { statusCode: "BUILD_TIMED_OUT", message: "Build timed out while waiting in the queue" },
      ]);
      this.finish(build, at, "TIMED_OUT");
      return;
    }
    const result = this.hooks.runPhase(build, current, at);
    close(current, at, result.status, result.contexts);
    if (result.status !== "SUCCEEDED") build.failed = true;
    const next = PHASES[PHASES.indexOf(current.type) + 1] ?? "COMPLETED";
    if (next === "COMPLETED") {
      this.finish(build, at, build.failed ? "FAILED" : "SUCCEEDED");
      return;
    }
    build.phases.push({ type: next, start: at });
  }

  private finish(build: Build, at: Date, status: Status): void {
    build.phases.push({ type: "COMPLETED", start: at });
    build.status = status;
    build.complete = true;
    build.endTime = at;
    this.hooks.stateChanged(build, at);
  }
}

export function currentPhase(build: Build): PhaseType {
  return build.phases.at(-1)?.type ?? "SUBMITTED";
}

function slotKey(build: Build): string {
  return `${build.account}/${build.region}`;
}

/** Still before PROVISIONING: it holds no slot of the account's concurrency. */
function isWaiting(build: Build): boolean {
  const type = currentPhase(build);
  return type === "SUBMITTED" || type === "QUEUED";
}

function close(phase: Phase, at: Date, status: Status, contexts?: PhaseContext[]): void {
  phase.end = at;
  phase.status = status;
  if (contexts) phase.contexts = contexts;
}

export function durationInSeconds(phase: Phase): number | undefined {
  return phase.end ? Math.round((phase.end.getTime() - phase.start.getTime()) / 1000) : undefined;
}
