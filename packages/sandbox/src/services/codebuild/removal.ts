import { gunzipSync } from "node:zlib";
import { costKey, type Estate, type StageLocation, stageKey } from "../../estate/estate.js";
import { checkpoint, updateId, updateRecord, writeStateObject } from "../../estate/state.js";
import type { Build } from "./builds.js";
import { REMOVAL_ENV, type RemovalOutcome, SST_MESSAGES } from "./contract.js";

export interface RemovalResult {
  outcome: RemovalOutcome;
  message: string;
  /** What the build printed, line by line. */
  log: string[];
}

const APP_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;
const STAGE_NAME = /^[A-Za-z0-9-]+$/;
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[^/]+\/)*([\w+=,.@-]+)$/;

/**
 * What our removal buildspec (issue 4) does, run against the emulated estate at the end of the BUILD phase:
 * assume the target role and check the caller identity, check the checked-out app's name, then `sst remove`
 * with SST's own refusals (stage not found, protected by the current config, locked) and effects.
 */
export function runRemoval(estate: Estate, build: Build, startedAt: Date, at: Date): RemovalResult {
  const log: string[] = [];
  const env = environment(estate, build);
  const mismatch = (message: string): RemovalResult => {
    log.push(`[stagekeeper] ${message}; refusing to run sst remove`);
    return { outcome: "mismatch", message, log };
  };
  if (build.forcedFailure !== undefined) {
    log.push(`✕  ${build.forcedFailure}`);
    return { outcome: "failed", message: build.forcedFailure, log };
  }
  for (const name of [REMOVAL_ENV.stage, REMOVAL_ENV.app, REMOVAL_ENV.account, REMOVAL_ENV.region]) {
    if (!env.get(name)) return mismatch(`${name} is not set`);
  }
  const stage = env.get(REMOVAL_ENV.stage) ?? "";
  const appName = env.get(REMOVAL_ENV.app) ?? "";
  const account = env.get(REMOVAL_ENV.account) ?? "";
  const region = env.get(REMOVAL_ENV.region) ?? "";
  if (!APP_NAME.test(appName)) return mismatch(`invalid app name ${JSON.stringify(appName)}`);
  if (!STAGE_NAME.test(stage)) return mismatch(`invalid stage name ${JSON.stringify(stage)}`);

  const roleArn = env.get(REMOVAL_ENV.roleArn);
  let identity = build.account;
  if (roleArn) {
    log.push(`[stagekeeper] assuming ${roleArn}`);
    const match = ROLE_ARN.exec(roleArn);
    const target = match ? estate.accounts.get(match[1] ?? "") : undefined;
    if (!match || !target?.roles.includes(match[2] ?? "")) {
      return mismatch(`could not assume ${roleArn}: AccessDenied`);
    }
    identity = target.id;
  }
  log.push(`[stagekeeper] caller identity ${identity}, expected ${account}`);
  if (identity !== account) return mismatch(`caller identity is account ${identity}, expected ${account}`);

  const location = build.source.location ?? "";
  const app = [...estate.apps.values()].find((a) => sameRepository(a.repository, location));
  if (!app) return mismatch(`the source ${JSON.stringify(location)} is not a known SST app`);
  log.push(`[stagekeeper] ${location}@${build.sourceVersion ?? app.branch} declares app ${app.name}`);
  if (app.name !== appName) return mismatch(`the checked-out app is ${app.name}, expected ${appName}`);

  log.push(`$ npx --no-install sst remove --stage ${stage}`, "SST 3.19.3  ready!", "");
  log.push(`➜  App:        ${appName}`, `   Stage:      ${stage}`, "");
  const refuse = (outcome: RemovalOutcome, message: string, printed = message): RemovalResult => {
    log.push(`✕  ${printed}`);
    return { outcome, message, log };
  };
  const state = readState(estate, account, region, appName, stage);
  if (state === "unreadable") return refuse("failed", "The state of this app / stage could not be read");
  if (!state || state.resources.length === 0) return refuse("not-found", SST_MESSAGES.notFound);
  if (app.protect.has(stage)) return refuse("protected", SST_MESSAGES.protected);
  const bucket = estate.bucket(state.at.bucket);
  if (bucket?.objects.has(`lock/${appName}/${stage}.json`)) {
    return refuse("locked", `Locked: ${SST_MESSAGES.locked}`, `Locked  ${SST_MESSAGES.locked}`);
  }

  log.push("~  Removing", "");
  const tagged = estate.accountResources(account);
  for (const resource of state.resources) {
    if (resource.type.startsWith("pulumi:")) continue;
    const name = resource.urn.split("::").at(-1) ?? resource.urn;
    if (resource.retainOnDelete) {
      log.push(`|  Retained    ${name} ${resource.type}`);
      continue;
    }
    if (resource.arn) tagged.delete(resource.arn);
    log.push(`|  Deleted     ${name} ${resource.type}`);
  }
  const stateKey = `app/${appName}/${stage}.json`;
  writeStateObject(estate, state.at, stateKey, checkpoint(state.at, [], null, at, at), at);
  const id = updateId(at, `${stateKey}/remove/${build.id}`);
  const runId = env.get(REMOVAL_ENV.runId);
  const record = updateRecord(id, "remove", startedAt, at, [], runId);
  writeStateObject(estate, state.at, `update/${appName}/${stage}/${id}.json`, record, at);
  const stream = estate.costs.get(costKey(account, appName, stage));
  const today = at.toISOString().slice(0, 10);
  if (stream && (stream.until === undefined || stream.until > today)) stream.until = today;
  log.push("", "✓  Removed");
  return { outcome: "removed", message: `Removed ${appName}/${stage}`, log };
}

/** The build's environment as its commands see it: Parameter Store variables resolved in the project's account. */
function environment(estate: Estate, build: Build): Map<string, string> {
  const env = new Map<string, string>();
  for (const variable of build.env) {
    if (variable.type === "PARAMETER_STORE") {
      const parameter = estate.parameters.get(`${build.account}/${build.region}/${variable.value}`);
      if (parameter) env.set(variable.name, parameter.value);
    } else env.set(variable.name, variable.value);
  }
  return env;
}

/** "https://github.com/acme/shop.git", "git@github.com:acme/shop" and "acme/shop" name the same repository. */
export function repositoryName(location: string): string {
  return location
    .trim()
    .replace(/^(?:https?:\/\/|git@)[^/:]+[/:]/, "")
    .replace(/\.git$/, "")
    .replace(/\/+$/, "")
    .toLowerCase();
}

function sameRepository(a: string, b: string): boolean {
  return b !== "" && repositoryName(a) === repositoryName(b);
}

interface StateResource {
  urn: string;
  type: string;
  arn?: string;
  retainOnDelete: boolean;
}

/** The stage's checkpoint as SST finds it through the account+region's bootstrap parameter. */
function readState(
  estate: Estate,
  account: string,
  region: string,
  app: string,
  stage: string,
): { at: StageLocation; resources: StateResource[] } | "unreadable" | undefined {
  const bootstrap = estate.parameters.get(`${account}/${region}//sst/bootstrap`);
  if (!bootstrap) return undefined;
  const bucketName = (JSON.parse(bootstrap.value) as { state?: string }).state ?? "";
  const object = estate.bucket(bucketName)?.objects.get(`app/${app}/${stage}.json`);
  if (!object) return undefined;
  const gzip = object.body[0] === 0x1f && object.body[1] === 0x8b;
  const known = estate.stages.get(stageKey(account, region, app, stage));
  const at: StageLocation = { account, region, app, stage, ...known, bucket: bucketName, gzip };
  try {
    const text = (gzip ? gunzipSync(object.body) : object.body).toString("utf8");
    const parsed = JSON.parse(text) as {
      checkpoint?: { latest?: { resources?: Record<string, unknown>[] } | null };
    };
    const resources = (parsed.checkpoint?.latest?.resources ?? []).map((r) => {
      const arn = (r.outputs as { arn?: unknown } | undefined)?.arn;
      return {
        urn: String(r.urn ?? ""),
        type: String(r.type ?? ""),
        ...(typeof arn === "string" ? { arn } : {}),
        retainOnDelete: r.retainOnDelete === true,
      };
    });
    return { at, resources };
  } catch {
    return "unreadable";
  }
}
