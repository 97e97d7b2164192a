import { createHash } from "node:crypto";
import { putObject } from "../../estate/storage.js";
import { json, ServiceError } from "../../http.js";
import { awsJsonService, type Caller } from "../aws-json.js";
import type { SandboxContext, Service } from "../service.js";
import { type Build, BuildTimeline, type Phase, type PhaseResult } from "./builds.js";
import { outcomeKey, REMOVAL_ENV } from "./contract.js";
import { count, guard, inspect, parse } from "./control.js";
import { EventBus, stateChangeEvent } from "./events.js";
import { canonical, checkRange, decodeToken, encodeToken, environmentOverride, initiator } from "./input.js";
import { runRemoval } from "./removal.js";
import { buildToWire } from "./wire.js";

/** How long an idempotency token holds, on the sandbox clock ("valid for 5 minutes", StartBuild doc). */
const TOKEN_MS = 5 * 60_000;
/** ListBuilds and ListBuildsForProject return up to 100 ids a page. */
const PAGE_SIZE = 100;
const REMOVE_COMMAND = 'npx --no-install sst remove --stage "$SST_STAGE"';

interface Project {
  name: string;
  account: string;
  region: string;
  builds: number;
}

/**
 * CodeBuild (awsJson1_1, WIRE.md §3): StartBuild, BatchGetBuilds, ListBuildsForProject, ListBuilds, StopBuild.
 * Every build runs our removal buildspec's semantics on the estate (removal.ts) and reports its state changes as
 * EventBridge events (events.ts).
 */
export function codebuildService(ctx: SandboxContext): Service {
  const { estate } = ctx;
  const clock = estate.clock;
  const settings = estate.seed.codebuild;
  const bus = new EventBus();
  const projects = new Map<string, Project>();
  for (const p of settings.projects)
    projects.set(projectKey(p.account, p.region, p.name), { ...p, builds: 0 });
  const tokens = new Map<string, { fingerprint: string; buildId: string; expiresAt: number }>();
  let limitFailures = 0;
  const failures: string[] = [];
  /** Builds whose outcome could not be written: their POST_BUILD phase fails. */
  const unwritten = new Map<string, string>();

  const timeline = new BuildTimeline(
    { phaseMs: settings.buildSeconds * 100, concurrency: settings.concurrency },
    {
      runPhase: (build, phase, at) => runPhase(build, phase, at),
      stateChanged: (build, at) => bus.emit(stateChangeEvent(build, at)),
    },
  );
  const advance = () => timeline.advance(clock.now());

  function runPhase(build: Build, phase: Phase, at: Date): PhaseResult {
    if (phase.type === "POST_BUILD" && unwritten.has(build.id)) {
      const message = `Error while executing command: aws s3 cp outcome.json. Reason: ${unwritten.get(build.id)}`;
      return { status: "FAILED", contexts: [{ statusCode: "COMMAND_EXECUTION_ERROR", message }] };
    }
    if (phase.type !== "BUILD") return { status: "SUCCEEDED" };
    const result = runRemoval(estate, build, phase.start, at);
    const env = new Map(build.env.map((v) => [v.name, v.value]));
    const removalId = env.get(REMOVAL_ENV.runId) ?? build.uuid;
    build.outcome = {
      removalId,
      outcome: result.outcome,
      account: env.get(REMOVAL_ENV.account) ?? "",
      region: env.get(REMOVAL_ENV.region) ?? "",
      app: env.get(REMOVAL_ENV.app) ?? "",
      stage: env.get(REMOVAL_ENV.stage) ?? "",
      buildId: build.id,
      finishedAt: at.toISOString(),
      message: result.message,
      log: result.log.slice(-20).join("\n").slice(-2000),
    };
    const ledger = env.get(REMOVAL_ENV.ledgerBucket);
    if (ledger) {
      const bucket = estate.bucket(ledger);
      const body = Buffer.from(JSON.stringify(build.outcome, null, 2));
      if (bucket) putObject(bucket, outcomeKey(removalId), body, at, { contentType: "application/json" });
      else unwritten.set(build.id, `NoSuchBucket: ${ledger}`);
    }
    if (result.outcome === "removed") return { status: "SUCCEEDED" };
    const message = `Error while executing command: ${REMOVE_COMMAND}. Reason: exit status 1`;
    return { status: "FAILED", contexts: [{ statusCode: "COMMAND_EXECUTION_ERROR", message }] };
  }

  function project(name: unknown, caller: Caller): Project {
    const found = projects.get(projectKey(caller.principal.account, caller.region, String(name ?? "")));
    if (found) return found;
    const arn = `arn:aws:codebuild:${caller.region}:${caller.principal.account}:project/${String(name ?? "")}`;
    throw new ServiceError("ResourceNotFoundException", `Project cannot be found: ${arn}`);
  }

  function visibleBuild(id: unknown, caller: Caller): Build | undefined {
    if (typeof id !== "string" || !id.includes(":")) {
      throw new ServiceError("InvalidInputException", "Invalid build ID provided");
    }
    const build = timeline.get(id);
    return build && build.account === caller.principal.account && build.region === caller.region
      ? build
      : undefined;
  }

  function startBuild(input: Record<string, unknown>, caller: Caller) {
    advance();
    const now = clock.now();
    checkRange(input, "timeoutInMinutesOverride", 5, 2160);
    checkRange(input, "queuedTimeoutInMinutesOverride", 5, 480);
    const env = environmentOverride(input.environmentVariablesOverride);
    const target = project(input.projectName, caller);
    const account = caller.principal.account;
    const token = typeof input.idempotencyToken === "string" ? input.idempotencyToken : undefined;
    const { idempotencyToken: _token, ...parameters } = input;
    const fingerprint = canonical(parameters);
    const held = token ? tokens.get(`${account}/${token}`) : undefined;
    if (held && held.expiresAt > now.getTime()) {
      const build = timeline.get(held.buildId);
      if (held.fingerprint === fingerprint && build) return { build: buildToWire(build) };
      // The doc promises "a parameter mismatch error"; the real error code is not documented (WIRE.md §10),
      // InvalidInputException is the modelled client error that fits.
      throw new ServiceError(
        "InvalidInputException",
        "Idempotency token already used with different parameters",
      );
    }
    const queueLimit = settings.concurrency * 5;
    const full = timeline.active(target.account, target.region).length >= settings.concurrency + queueLimit;
    if (limitFailures > 0 || full) {
      if (limitFailures > 0) limitFailures--;
      throw new ServiceError(
        "AccountLimitExceededException",
        `Cannot have more than ${queueLimit} builds in queue for the account`,
      );
    }
    const uuid = crypto.randomUUID();
    const id = `${target.name}:${uuid}`;
    const location =
      typeof input.sourceLocationOverride === "string" ? input.sourceLocationOverride : undefined;
    const sourceVersion = typeof input.sourceVersion === "string" ? input.sourceVersion : undefined;
    const buildspec = typeof input.buildspecOverride === "string" ? input.buildspecOverride : undefined;
    const build: Build = {
      id,
      uuid,
      arn: `arn:aws:codebuild:${target.region}:${target.account}:build/${id}`,
      project: target.name,
      account: target.account,
      region: target.region,
      buildNumber: ++target.builds,
      startTime: now,
      phases: [{ type: "SUBMITTED", start: now }],
      status: "IN_PROGRESS",
      complete: false,
      env,
      source: {
        type: typeof input.sourceTypeOverride === "string" ? input.sourceTypeOverride : "GITHUB",
        ...(location !== undefined ? { location } : {}),
        ...(buildspec !== undefined ? { buildspec } : {}),
      },
      ...(sourceVersion !== undefined ? { sourceVersion } : {}),
      resolvedSourceVersion: createHash("sha1").update(`${location}@${sourceVersion}`).digest("hex"),
      initiator: initiator(caller.principal.arn),
      serviceRole: `arn:aws:iam::${target.account}:role/service-role/codebuild-${target.name}-service-role`,
      timeoutInMinutes: Number(input.timeoutInMinutesOverride ?? 60),
      queuedTimeoutInMinutes: Number(input.queuedTimeoutInMinutesOverride ?? 480),
      failed: false,
    };
    const forced = failures.shift();
    if (forced !== undefined) build.forcedFailure = forced;
    timeline.add(build);
    if (token)
      tokens.set(`${account}/${token}`, { fingerprint, buildId: id, expiresAt: now.getTime() + TOKEN_MS });
    return { build: buildToWire(build) };
  }

  function listIds(builds: Build[], input: Record<string, unknown>) {
    const order = input.sortOrder ?? "DESCENDING";
    if (order !== "ASCENDING" && order !== "DESCENDING") {
      throw new ServiceError("InvalidInputException", `Invalid sort order ${String(order)}`);
    }
    const ids = builds.map((b) => b.id);
    if (order === "DESCENDING") ids.reverse();
    let start = 0;
    if (input.nextToken !== undefined) {
      const after = decodeToken(input.nextToken, order);
      start = ids.indexOf(after) + 1;
      if (start === 0) throw new ServiceError("InvalidInputException", "Invalid next token");
    }
    const page = ids.slice(start, start + PAGE_SIZE);
    const last = page.at(-1);
    const more = start + PAGE_SIZE < ids.length && last !== undefined;
    return { ids: page, ...(more ? { nextToken: encodeToken(last, order) } : {}) };
  }

  const service = awsJsonService(ctx, {
    name: "codebuild",
    target: "CodeBuild_20161006",
    throttlingCode: "ThrottlingException",
    operations: {
      StartBuild: startBuild,
      BatchGetBuilds(input, caller) {
        advance();
        const ids = input.ids;
        if (!Array.isArray(ids) || ids.length < 1 || ids.length > 100) {
          throw new ServiceError(
            "InvalidInputException",
            "1 validation error detected: Value at 'ids' failed to satisfy constraint: Member must have length between 1 and 100",
          );
        }
        const unique = [...new Set(ids)];
        const found = unique.map((id) => visibleBuild(id, caller));
        return {
          builds: found.filter((b) => b !== undefined).map(buildToWire),
          buildsNotFound: unique.filter((_, i) => !found[i]),
        };
      },
      StopBuild(input, caller) {
        advance();
        const build = visibleBuild(input.id, caller);
        if (!build)
          throw new ServiceError("ResourceNotFoundException", `Build ${String(input.id)} does not exist`);
        timeline.stop(build, clock.now());
        return { build: buildToWire(build) };
      },
      ListBuildsForProject(input, caller) {
        advance();
        const p = project(input.projectName, caller);
        const builds = timeline.builds.filter(
          (b) => b.project === p.name && b.account === p.account && b.region === p.region,
        );
        return listIds(builds, input);
      },
      ListBuilds(input, caller) {
        advance();
        const builds = timeline.builds.filter(
          (b) => b.account === caller.principal.account && b.region === caller.region,
        );
        return listIds(builds, input);
      },
    },
    control: {
      "POST /_sandbox/codebuild/account-limit": (req) =>
        guard(() => {
          limitFailures = count(parse(req).count);
          return { accountLimitFailures: limitFailures };
        }),
      "POST /_sandbox/codebuild/fail-next": (req) =>
        guard(() => {
          const body = parse(req);
          const message = typeof body.message === "string" ? body.message : "sst remove failed";
          for (let i = count(body.count); i > 0; i--) failures.push(message);
          return { failNext: failures.length };
        }),
      "GET /_sandbox/builds": () => {
        advance();
        return json(200, timeline.builds.map(inspect));
      },
      "GET /_sandbox/events": () => {
        advance();
        return json(200, bus.events);
      },
      "POST /_sandbox/events/target": (req) =>
        guard(() => {
          const url = parse(req).url;
          if (url !== null && typeof url !== "string")
            throw new Error('send {"url": "http://..."} or {"url": null}');
          bus.setTarget(url);
          return { url: bus.url ?? null, failedDeliveries: bus.failedDeliveries };
        }),
    },
    tick: async () => {
      advance();
      await bus.deliver();
    },
  });
  return service;
}

function projectKey(account: string, region: string, name: string): string {
  return `${account}/${region}/${name}`;
}
