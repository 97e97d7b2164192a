import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadBuildspec } from "../src/removal/buildspec.js";
import { OUTCOME_PREFIX, outcomeRecordSchema, REMOVAL_ENV, REMOVE_COMMAND } from "../src/removal/contract.js";

const PHASES = ["install", "pre_build", "build", "post_build"] as const;
type PhaseName = (typeof PHASES)[number];

interface Buildspec {
  version: unknown;
  env: { shell?: string; variables: Record<string, string> };
  phases: Record<
    PhaseName,
    { commands: string[]; "on-failure"?: string; "runtime-versions"?: Record<string, unknown> }
  >;
}

const text = await loadBuildspec();
const spec = parse(text) as Buildspec;
/** Every command with its place: phase index, then command index. */
const commands = PHASES.flatMap((phase, p) =>
  (spec.phases[phase]?.commands ?? []).map((command, c) => ({ phase, at: p * 1000 + c, command })),
);

/**
 * `$NAME` / `${NAME...}` expansions of the given names that a shell would expand outside double quotes (split
 * and globbed). Single-quoted text is not expanded at all; `$(...)` inside double quotes starts afresh.
 */
function unquotedExpansions(script: string, names: readonly string[]): string[] {
  const found: string[] = [];
  const stack: { kind: "plain" | "double" | "subst"; depth: number }[] = [{ kind: "plain", depth: 0 }];
  for (let i = 0; i < script.length; i++) {
    const top = stack[stack.length - 1] ?? { kind: "plain", depth: 0 };
    const c = script[i];
    if (top.kind === "double") {
      if (c === "\\") i++;
      else if (c === '"') stack.pop();
      else if (c === "$" && script[i + 1] === "(") {
        stack.push({ kind: "subst", depth: 0 });
        i++;
      }
      continue;
    }
    if (c === "\\") {
      i++;
    } else if (c === "'") {
      const end = script.indexOf("'", i + 1);
      i = end < 0 ? script.length : end;
    } else if (c === '"') {
      stack.push({ kind: "double", depth: 0 });
    } else if (c === "#" && (i === 0 || /\s/.test(script[i - 1] ?? ""))) {
      const end = script.indexOf("\n", i);
      i = end < 0 ? script.length : end;
    } else if (c === "$") {
      if (script[i + 1] === "(") {
        stack.push({ kind: "subst", depth: 0 });
        i++;
        continue;
      }
      const name = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)/.exec(script.slice(i))?.[1];
      if (name && names.includes(name)) found.push(script.slice(Math.max(0, i - 20), i + name.length + 3));
    } else if (top.kind === "subst" && c === "(") {
      top.depth++;
    } else if (top.kind === "subst" && c === ")") {
      if (top.depth === 0) stack.pop();
      else top.depth--;
    }
  }
  return found;
}

describe("buildspec/remove.yml", () => {
  it("is a version 0.2 buildspec with bash, node 20 and the four phases, each continuing to post_build", () => {
    expect(spec.version).toBe(0.2);
    expect(spec.env.shell).toBe("bash");
    expect(spec.phases.install["runtime-versions"]).toEqual({ nodejs: 20 });
    for (const phase of ["install", "pre_build", "build"] as const) {
      expect(spec.phases[phase]["on-failure"], phase).toBe("CONTINUE");
    }
    expect(spec.phases.post_build.commands.length).toBeGreaterThan(0);
  });

  it("uses every variable of the contract and writes the outcome where the contract says", () => {
    expect(text).toContain(`"s3://$STAGEKEEPER_LEDGER_BUCKET/${OUTCOME_PREFIX}$SST_RUN_ID.json"`);
    for (const name of Object.values(REMOVAL_ENV)) expect(text, name).toContain(name);
    expect(spec.env.variables).toMatchObject({
      SST_AWS_NO_PROFILE: "1",
      SST_TELEMETRY_DISABLED: "1",
      SST_PRINT_LOGS: "1",
    });
  });

  it("runs exactly the contract's sst remove command, once, and no other sst command", () => {
    const removes = commands.filter((c) => c.command.includes(REMOVE_COMMAND));
    expect(removes).toHaveLength(1);
    expect(removes[0]?.phase).toBe("build");
    expect(REMOVE_COMMAND).toBe('npx --no-install sst remove --stage "$SST_STAGE"');
    // Every line that invokes sst (directly or through npx) is the remove command itself.
    const invocations = commands
      .flatMap((c) => c.command.split("\n"))
      .filter((line) => /(^|[;&|(]\s*)(npx\s+(--\S+\s+)*)?sst\s/.test(line.trim()));
    expect(invocations.map((line) => line.trim())).toEqual([REMOVE_COMMAND]);
  });

  it("never expands a stage or app name outside double quotes", () => {
    const names = [REMOVAL_ENV.stage, REMOVAL_ENV.app];
    for (const { command } of commands) expect(unquotedExpansions(command, names)).toEqual([]);
    // The scanner itself finds what it must.
    expect(unquotedExpansions("echo $SST_STAGE", names)).toHaveLength(1);
    expect(unquotedExpansions(`x="$(cat $\{STAGEKEEPER_APP})"`, names)).toHaveLength(1);
    expect(unquotedExpansions("echo \"$SST_STAGE\" '$SST_STAGE' # $SST_STAGE", names)).toEqual([]);
  });

  it("checks the caller identity and the checked-out app's name before sst remove", () => {
    const at = (needle: string) => commands.find((c) => c.command.includes(needle))?.at ?? Number.NaN;
    const identity = at("aws sts get-caller-identity --query Account --output text");
    const appName = at("sst.config.ts");
    const assume = at("aws sts assume-role");
    const install = at("npm ci");
    const remove = at(REMOVE_COMMAND);
    const outcome = at("/outcome/$SST_RUN_ID.json");
    expect(assume).toBeLessThan(identity);
    expect(identity).toBeLessThan(remove);
    expect(appName).toBeLessThan(remove);
    expect(install).toBeLessThan(remove);
    expect(remove).toBeLessThan(outcome);
    expect(outcome).toBeGreaterThanOrEqual(3000);
  });
});

/* ------------------------------------------------------------------------------------------------------------
 * The buildspec's commands run for real with bash and node, against stand-ins for aws, npx, npm and corepack.
 * Each command runs in a shell of its own (stricter than CodeBuild 0.2, which keeps one shell): a failing
 * command ends its phase, and a phase without on-failure: CONTINUE ends the build.
 * ---------------------------------------------------------------------------------------------------------- */

const OWN = "111111111111";
const TARGET = "222222222222";
const ROLE = `arn:aws:iam::${TARGET}:role/stagekeeper`;
const RUN_ID = "0b7c2f1e-5d4a-4c1b-9a7e-3f2d1c0b9a8e";

const STUBS: Record<string, string> = {
  aws: `#!/usr/bin/env bash
printf '%s\\n' "aws $* | key=\${AWS_ACCESS_KEY_ID:-}" >> "$FAKE_DIR/calls"
case "$1 $2" in
  "sts assume-role")
    if [ "\${FAKE_ASSUME_FAIL:-}" = 1 ]; then echo "An error occurred (AccessDenied) when calling the AssumeRole operation: denied" >&2; exit 254; fi
    printf 'ASIATARGET\\tsecret\\ttoken\\n';;
  "sts get-caller-identity")
    if [ "\${AWS_ACCESS_KEY_ID:-}" = ASIATARGET ]; then echo "$FAKE_TARGET_ACCOUNT"; else echo "$FAKE_OWN_ACCOUNT"; fi;;
  "s3 cp")
    dst="\${4#s3://}"; mkdir -p "$FAKE_DIR/s3/$(dirname "$dst")"; cp "$3" "$FAKE_DIR/s3/$dst"
    echo "\${AWS_ACCESS_KEY_ID:-}" > "$FAKE_DIR/s3-writer";;
  *) echo "unexpected: aws $*" >&2; exit 2;;
esac
`,
  npx: `#!/usr/bin/env bash
printf '%s\\n' "npx $* | key=\${AWS_ACCESS_KEY_ID:-} region=\${AWS_REGION:-}" >> "$FAKE_DIR/calls"
if [ "$1" = "--no-install" ] && [ "$2" = "sst" ]; then
  printf '%s\\n' "$@" > "$FAKE_DIR/sst-argv"
  printf '%b\\n' "\${FAKE_SST_OUTPUT:-}"
  exit "\${FAKE_SST_EXIT:-0}"
fi
exit "\${FAKE_INSTALL_EXIT:-0}"
`,
  npm: `#!/usr/bin/env bash
printf '%s\\n' "npm $*" >> "$FAKE_DIR/calls"
echo "npm ERR! something" ; exit "\${FAKE_INSTALL_EXIT:-0}"
`,
  corepack: `#!/usr/bin/env bash
printf '%s\\n' "corepack $*" >> "$FAKE_DIR/calls"
exit "\${FAKE_INSTALL_EXIT:-0}"
`,
};

const CONFIG = (name: string) => `/// <reference path="./.sst/platform/config.d.ts" />
export default $config({
  app(input) {
    return {
      // name: "not-this-one",
      name: "${name}",
      removal: input?.stage === "production" ? "retain" : "remove",
      protect: ["production"].includes(input?.stage),
      home: "aws",
    };
  },
  async run() {
    new sst.aws.Function("Web", { handler: "index.handler", name: "other" });
  },
});
`;

interface Run {
  phases: Partial<Record<PhaseName, "SUCCEEDED" | "FAILED">>;
  calls: string[];
  outcome: ReturnType<typeof outcomeRecordSchema.parse> | undefined;
  s3Writer: string | undefined;
  sstArgv: string[] | undefined;
  dir: string;
  output: string;
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function runBuildspec(options: {
  env?: Record<string, string | undefined>;
  files?: Record<string, string>;
  fake?: Record<string, string>;
}): Run {
  const dir = mkdtempSync(join(tmpdir(), "sk-buildspec-"));
  dirs.push(dir);
  const bin = join(dir, "bin");
  const src = join(dir, "src");
  mkdirSync(bin);
  mkdirSync(src);
  for (const [name, body] of Object.entries(STUBS)) {
    writeFileSync(join(bin, name), body);
    chmodSync(join(bin, name), 0o755);
  }
  const files = options.files ?? { "sst.config.ts": CONFIG("shop"), "package-lock.json": "{}" };
  for (const [name, body] of Object.entries(files)) writeFileSync(join(src, name), body);
  const env: Record<string, string> = {};
  const given: Record<string, string | undefined> = {
    PATH: `${bin}:${process.env.PATH ?? ""}`,
    HOME: dir,
    ...spec.env.variables,
    STAGEKEEPER_WORK: join(dir, "work"),
    CODEBUILD_BUILD_ID: "stagekeeper-remove:4f6c1b1e-0000-4000-8000-000000000001",
    AWS_ACCESS_KEY_ID: "AKIAOWN",
    AWS_SECRET_ACCESS_KEY: "own-secret",
    FAKE_DIR: dir,
    FAKE_OWN_ACCOUNT: OWN,
    FAKE_TARGET_ACCOUNT: TARGET,
    SST_STAGE: "pr-12",
    STAGEKEEPER_APP: "shop",
    STAGEKEEPER_ACCOUNT: TARGET,
    STAGEKEEPER_REGION: "eu-west-1",
    STAGEKEEPER_ROLE_ARN: ROLE,
    SST_RUN_ID: RUN_ID,
    STAGEKEEPER_LEDGER_BUCKET: "stagekeeper-ledger",
    ...options.fake,
    ...options.env,
  };
  for (const [name, value] of Object.entries(given)) if (value !== undefined) env[name] = value;

  const phases: Run["phases"] = {};
  let output = "";
  for (const phase of PHASES) {
    const { commands: list = [], "on-failure": onFailure } = spec.phases[phase];
    let status: "SUCCEEDED" | "FAILED" = "SUCCEEDED";
    for (const command of list) {
      const run = spawnSync("bash", ["-c", command], { cwd: src, env, encoding: "utf8", timeout: 20_000 });
      output += run.stdout + run.stderr;
      if (run.status !== 0) {
        status = "FAILED";
        break;
      }
    }
    phases[phase] = status;
    if (status === "FAILED" && onFailure !== "CONTINUE" && phase !== "post_build") break;
  }
  const read = (path: string) => (existsSync(path) ? readFileSync(path, "utf8") : undefined);
  const outcomeText = read(join(dir, "s3", "stagekeeper-ledger", "outcome", `${env.SST_RUN_ID ?? ""}.json`));
  return {
    phases,
    calls: (read(join(dir, "calls")) ?? "").split("\n").filter(Boolean),
    outcome: outcomeText ? outcomeRecordSchema.parse(JSON.parse(outcomeText)) : undefined,
    s3Writer: read(join(dir, "s3-writer"))?.trim(),
    sstArgv: read(join(dir, "sst-argv"))?.trim().split("\n"),
    dir,
    output,
  };
}

const sstCalled = (run: Run) => run.calls.some((c) => c.startsWith("npx --no-install sst"));

describe("buildspec/remove.yml, run", () => {
  it("removes the stage with the target role's credentials and writes the outcome with the project's own", () => {
    const run = runBuildspec({ fake: { FAKE_SST_OUTPUT: "SST 3.19.3  ready!\\n~  Removing\\n✓  Removed" } });
    expect(run.phases).toEqual({
      install: "SUCCEEDED",
      pre_build: "SUCCEEDED",
      build: "SUCCEEDED",
      post_build: "SUCCEEDED",
    });
    expect(run.sstArgv).toEqual(["--no-install", "sst", "remove", "--stage", "pr-12"]);
    expect(run.calls).toContain(
      "npx --no-install sst remove --stage pr-12 | key=ASIATARGET region=eu-west-1",
    );
    expect(run.calls).toContain("npm ci");
    expect(run.calls.find((c) => c.startsWith("aws sts get-caller-identity"))).toMatch(/key=ASIATARGET$/);
    expect(run.s3Writer).toBe("AKIAOWN");
    expect(run.outcome).toMatchObject({
      removalId: RUN_ID,
      outcome: "removed",
      account: TARGET,
      region: "eu-west-1",
      app: "shop",
      stage: "pr-12",
      buildId: "stagekeeper-remove:4f6c1b1e-0000-4000-8000-000000000001",
    });
    expect(new Date(run.outcome?.finishedAt ?? "").toISOString()).toBe(run.outcome?.finishedAt);
    expect(run.outcome?.log).toContain("✓  Removed");
    expect(run.outcome?.log).toContain("[stagekeeper] caller identity is account 222222222222");
  });

  it("acts in the project's own account when no role is given", () => {
    const run = runBuildspec({ env: { STAGEKEEPER_ROLE_ARN: undefined, STAGEKEEPER_ACCOUNT: OWN } });
    expect(run.calls.some((c) => c.startsWith("aws sts assume-role"))).toBe(false);
    expect(run.calls).toContain("npx --no-install sst remove --stage pr-12 | key=AKIAOWN region=eu-west-1");
    expect(run.outcome?.outcome).toBe("removed");
  });

  it.each([
    [
      "protected",
      "✕  Cannot remove protected stage. To remove a protected stage edit your sst.config.ts",
      /^✕ {2}Cannot remove protected stage\./,
    ],
    [
      "locked",
      "Locked  A concurrent update was detected on the app. Run `sst unlock` to remove the lock and try again.",
      /Run `sst unlock`/,
    ],
    ["not-found", "✕  Stage not found", /^Stage not found$/],
    [
      "failed",
      "|  Deleting Web\\n✕  Error: AccessDenied: not authorized to perform lambda:DeleteFunction",
      /^sst remove exited with 1: ✕ {2}Error: AccessDenied/,
    ],
  ])("classifies sst remove's %s refusal from its exit code and message", (outcome, printed, message) => {
    const run = runBuildspec({ fake: { FAKE_SST_OUTPUT: printed, FAKE_SST_EXIT: "1" } });
    expect(run.phases.build).toBe("FAILED");
    expect(run.phases.post_build).toBe("SUCCEEDED");
    expect(run.outcome?.outcome).toBe(outcome);
    expect(run.outcome?.message).toMatch(message);
    expect(run.s3Writer).toBe("AKIAOWN");
  });

  it("stops as a mismatch when the caller identity is another account, without running sst or installing", () => {
    const run = runBuildspec({ env: { STAGEKEEPER_ROLE_ARN: undefined } });
    expect(run.outcome?.outcome).toBe("mismatch");
    expect(run.outcome?.message).toBe(`caller identity is account ${OWN}, expected ${TARGET}`);
    expect(sstCalled(run)).toBe(false);
    expect(run.calls.some((c) => c.startsWith("npm"))).toBe(false);
    expect(run.phases).toMatchObject({ pre_build: "FAILED", build: "FAILED", post_build: "SUCCEEDED" });
  });

  it("stops as a mismatch when the role cannot be assumed", () => {
    const run = runBuildspec({ fake: { FAKE_ASSUME_FAIL: "1" } });
    expect(run.outcome?.outcome).toBe("mismatch");
    expect(run.outcome?.message).toMatch(new RegExp(`^could not assume ${ROLE}: .*AccessDenied`));
    expect(sstCalled(run)).toBe(false);
  });

  it("stops as a mismatch when the checked-out app declares another name (comments do not count)", () => {
    const run = runBuildspec({ files: { "sst.config.ts": CONFIG("api"), "package-lock.json": "{}" } });
    expect(run.outcome?.outcome).toBe("mismatch");
    expect(run.outcome?.message).toBe('the checked-out app is "api", expected "shop"');
    expect(sstCalled(run)).toBe(false);
    const missing = runBuildspec({ files: { "package-lock.json": "{}" } });
    expect(missing.outcome?.message).toBe("no sst.config.ts at the root of the checkout");
    const computed = runBuildspec({
      files: {
        "sst.config.ts": CONFIG("shop").replace('name: "shop"', "name: process.env.APP"),
        "package-lock.json": "{}",
      },
    });
    expect(computed.outcome?.outcome).toBe("mismatch");
    expect(sstCalled(computed)).toBe(false);
  });

  it("refuses names that are not SST's, without ever running them through a shell", () => {
    for (const env of [
      { SST_STAGE: "pr-1$(touch pwned-stage)" },
      { SST_STAGE: "pr-1; touch pwned-stage" },
      { STAGEKEEPER_APP: "shop`touch pwned-app`" },
      { STAGEKEEPER_APP: "1shop" },
      { STAGEKEEPER_ROLE_ARN: "arn:aws:iam::222222222222:role/x $(touch pwned-role)" },
    ]) {
      const run = runBuildspec({ env });
      expect(run.outcome?.outcome, JSON.stringify(env)).toBe("mismatch");
      expect(sstCalled(run)).toBe(false);
      expect(run.calls.filter((c) => c.startsWith("aws sts"))).toEqual([]);
      for (const file of ["pwned-stage", "pwned-app", "pwned-role"]) {
        expect(existsSync(join(run.dir, "src", file))).toBe(false);
        expect(existsSync(join(run.dir, file))).toBe(false);
      }
      // Invalid names never reach the outcome record either.
      expect(run.outcome?.stage === "pr-12" || run.outcome?.stage === "").toBe(true);
      expect(run.outcome?.app === "shop" || run.outcome?.app === "").toBe(true);
    }
  });

  it.each([
    ["pnpm-lock.yaml", {}, "corepack pnpm i --frozen-lockfile"],
    ["yarn.lock", { ".yarnrc.yml": "nodeLinker: node-modules\n" }, "corepack yarn install --immutable"],
    ["yarn.lock", {}, "corepack yarn install --frozen-lockfile"],
    ["bun.lock", {}, "npx --yes bun install --frozen-lockfile"],
    ["bun.lockb", {}, "npx --yes bun install --frozen-lockfile"],
  ])("installs dependencies as %s says", (lock, extra: Record<string, string>, expected) => {
    const run = runBuildspec({ files: { "sst.config.ts": CONFIG("shop"), [lock]: "", ...extra } });
    expect(run.calls.some((c) => c.startsWith(expected))).toBe(true);
    expect(run.calls.some((c) => c.startsWith("npm ci"))).toBe(false);
    expect(run.outcome?.outcome).toBe("removed");
  });

  it("fails without running sst when there is no lock file or the install fails", () => {
    const none = runBuildspec({ files: { "sst.config.ts": CONFIG("shop") } });
    expect(none.outcome?.outcome).toBe("failed");
    expect(none.outcome?.message).toMatch(/^no lock file/);
    expect(sstCalled(none)).toBe(false);
    const broken = runBuildspec({ fake: { FAKE_INSTALL_EXIT: "1" } });
    expect(broken.outcome).toMatchObject({ outcome: "failed", message: "npm ci failed with exit code 1" });
    expect(broken.outcome?.log).toContain("npm ERR! something");
    expect(sstCalled(broken)).toBe(false);
  });

  it("keeps only the last 40 lines of a long log", () => {
    const printed = Array.from({ length: 200 }, (_, i) => `line ${i}`).join("\\n");
    const run = runBuildspec({ fake: { FAKE_SST_OUTPUT: `${printed}\\n✕  Failed`, FAKE_SST_EXIT: "1" } });
    const lines = run.outcome?.log.split("\n") ?? [];
    expect(lines).toHaveLength(40);
    expect(lines.at(-1)).toBe("✕  Failed");
    expect(run.outcome?.outcome).toBe("failed");
  });
});
