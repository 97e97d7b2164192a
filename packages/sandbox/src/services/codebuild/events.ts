import { type Build, currentPhase, durationInSeconds, type Phase } from "./builds.js";
import { COMPUTE_TYPE, deepLink, IMAGE, logGroup } from "./wire.js";

export interface BuildStateChangeEvent {
  version: "0";
  id: string;
  "detail-type": "CodeBuild Build State Change";
  source: "aws.codebuild";
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/**
 * The EventBridge "CodeBuild Build State Change" event (WIRE.md §3.3): kebab-case keys, `build-id` is the ARN,
 * times in additional-information are human-formatted, and current-phase-context is a JSON string.
 */
export function stateChangeEvent(build: Build, at: Date): BuildStateChangeEvent {
  const link = deepLink(build);
  const current = build.phases.at(-1);
  return {
    version: "0",
    id: crypto.randomUUID(),
    "detail-type": "CodeBuild Build State Change",
    source: "aws.codebuild",
    account: build.account,
    time: `${at.toISOString().slice(0, 19)}Z`,
    region: build.region,
    resources: [build.arn],
    detail: {
      "build-status": build.status,
      "project-name": build.project,
      "build-id": build.arn,
      "additional-information": {
        cache: { type: "NO_CACHE" },
        "build-number": build.buildNumber,
        "timeout-in-minutes": build.timeoutInMinutes,
        "build-complete": build.complete,
        initiator: build.initiator,
        "build-start-time": humanTime(build.startTime),
        source: { ...build.source },
        ...(build.sourceVersion !== undefined ? { "source-version": build.sourceVersion } : {}),
        artifact: { location: "" },
        environment: {
          image: IMAGE,
          "privileged-mode": false,
          "image-pull-credentials-type": "CODEBUILD",
          "compute-type": COMPUTE_TYPE,
          type: "LINUX_CONTAINER",
          "environment-variables": build.env.map((v) => ({ name: v.name, type: v.type, value: v.value })),
        },
        logs: {
          "group-name": logGroup(build),
          "stream-name": build.uuid,
          ...(link ? { "deep-link": link } : {}),
        },
        phases: build.phases.map(phaseToEvent),
        "queued-timeout-in-minutes": build.queuedTimeoutInMinutes,
      },
      "current-phase": currentPhase(build),
      "current-phase-context": JSON.stringify(
        current?.type === "COMPLETED" ? [] : (current?.contexts ?? []).map(contextText),
      ),
      version: "1",
    },
  };
}

function phaseToEvent(phase: Phase): Record<string, unknown> {
  if (phase.type === "COMPLETED") return { "start-time": humanTime(phase.start), "phase-type": phase.type };
  return {
    "phase-context": (phase.contexts ?? []).map(contextText),
    "start-time": humanTime(phase.start),
    ...(phase.end
      ? { "end-time": humanTime(phase.end), "duration-in-seconds": durationInSeconds(phase) }
      : {}),
    "phase-type": phase.type,
    ...(phase.status && phase.end ? { "phase-status": phase.status } : {}),
  };
}

function contextText(context: { statusCode: string; message: string }): string {
  return `${context.statusCode}: ${context.message}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "Sep 1, 2017 4:12:29 PM", in UTC, as CodeBuild formats times inside its events. */
export function humanTime(date: Date): string {
  const hours = date.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, "0");
  const clock = `${hours % 12 || 12}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}, ${date.getUTCFullYear()} ${clock} ${hours < 12 ? "AM" : "PM"}`;
}

const MAX_ATTEMPTS = 5;

/**
 * Every event the sandbox's EventBridge saw, and at-least-once delivery to one HTTP target: a failed POST is
 * tried again on later ticks, up to a few times, while later events go out meanwhile (so order is not promised,
 * as with EventBridge).
 */
export class EventBus {
  readonly events: BuildStateChangeEvent[] = [];
  private target: string | undefined;
  private pending: { event: BuildStateChangeEvent; attempts: number }[] = [];
  private delivering = false;
  readonly failedDeliveries: { eventId: string; error: string }[] = [];

  get url(): string | undefined {
    return this.target;
  }

  setTarget(url: string | null): void {
    if (url !== null) new URL(url);
    this.target = url ?? undefined;
    if (!this.target) this.pending = [];
  }

  emit(event: BuildStateChangeEvent): void {
    this.events.push(event);
    if (this.target) this.pending.push({ event, attempts: 0 });
  }

  async deliver(): Promise<void> {
    if (this.delivering || !this.target || this.pending.length === 0) return;
    this.delivering = true;
    const target = this.target;
    const batch = this.pending;
    this.pending = [];
    try {
      for (const item of batch) {
        const error = await post(target, item.event);
        if (!error) continue;
        item.attempts++;
        if (item.attempts < MAX_ATTEMPTS) this.pending.push(item);
        else this.failedDeliveries.push({ eventId: item.event.id, error });
      }
    } finally {
      this.delivering = false;
    }
  }
}

async function post(url: string, body: unknown): Promise<string | undefined> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    await response.arrayBuffer();
    return response.ok ? undefined : `HTTP ${response.status}`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
