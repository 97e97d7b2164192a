import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../packages/core/src/config/index.js";
import {
  deployedConfig,
  loadDeployConfig,
  overriddenSettings,
  removalWarnings,
  targetRoleArns,
} from "../load-config";

/** Account 111111111111 with the default credentials, and 222222222222 through its role in `region`. */
function twoAccounts(region: string) {
  const accounts = [
    { id: "111111111111", regions: ["us-east-1"] },
    { id: "222222222222", roleArn: "arn:aws:iam::222222222222:role/stagekeeper", regions: [region] },
  ];
  return loadDeployConfig(root({ "stagekeeper.config.json": JSON.stringify({ accounts }) }), {}).config;
}

function root(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), "stagekeeper-deploy-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

function failure(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("the config a deploy ships", () => {
  it("uses the built-in defaults, dry run on, when there is no config file", () => {
    const { config, source } = loadDeployConfig(root(), {});
    expect(source).toBe("built-in defaults");
    expect(config.dryRun).toBe(true);
    expect(config.schedule).toBe("cron(0 8 * * ? *)");
  });

  it("reads stagekeeper.config.json at the root", () => {
    const dir = root({
      "stagekeeper.config.json": JSON.stringify({ dryRun: false, schedule: "cron(0 6 * * ? *)" }),
    });
    const { config, source } = loadDeployConfig(dir, {});
    expect(source).toBe("stagekeeper.config.json");
    expect(config).toMatchObject({ dryRun: false, schedule: "cron(0 6 * * ? *)" });
  });

  it("reads the file STAGEKEEPER_CONFIG names, relative to the root", () => {
    const dir = root({ "prod.json": JSON.stringify({ maxRemovalsPerRun: 3 }) });
    expect(loadDeployConfig(dir, { STAGEKEEPER_CONFIG: "prod.json" }).config.maxRemovalsPerRun).toBe(3);
  });

  it("fails the deploy naming the bad field", () => {
    const dir = root({ "stagekeeper.config.json": JSON.stringify({ dryrun: false, schedule: "daily" }) });
    const error = failure(() => loadDeployConfig(dir, {}));
    expect(error.message).toMatch(/^stagekeeper\.config\.json is not valid:/);
    expect(error.problems.map((p) => p.path).sort()).toEqual(["dryrun", "schedule"]);
  });

  it("fails when the named file is missing instead of falling back to the defaults", () => {
    const error = failure(() => loadDeployConfig(root(), { STAGEKEEPER_CONFIG: "missing.json" }));
    expect(error.message).toContain("missing.json is not valid");
    expect(error.problems[0]?.path).toBe("(file)");
  });

  it("fails on a file that is not JSON", () => {
    const error = failure(() => loadDeployConfig(root({ "stagekeeper.config.json": "{ dryRun: false" }), {}));
    expect(error.problems[0]?.path).toBe("(document)");
  });
});

describe("the config the functions receive", () => {
  const resources = {
    ledgerBucket: "stagekeeper-production-ledgerbucket-abc",
    removalProject: "stagekeeper-production-remove",
    removalQueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/stagekeeper-production-RemovalQueue",
  };

  it("points ledger and removal at this deployment and still validates", () => {
    const { config } = loadDeployConfig(
      root({
        "stagekeeper.config.json": JSON.stringify({
          owners: { alice: "U0ALICE" },
          personalPattern: "^dev-[a-z]+$",
          accounts: [
            {
              id: "123456789012",
              roleArn: "arn:aws:iam::123456789012:role/stagekeeper",
              regions: ["us-east-1"],
            },
          ],
          ledger: { bucket: "somewhere-else" },
        }),
      }),
      {},
    );
    const deployed = deployedConfig(config, resources);
    expect(deployed.ledger).toEqual({ bucket: resources.ledgerBucket });
    expect(deployed.removal).toEqual({ project: resources.removalProject, queue: resources.removalQueueUrl });
    expect(deployed.kinds).toEqual(config.kinds);
    expect(deployed.owners).toEqual({ alice: "U0ALICE" });
    expect(overriddenSettings(config)).toHaveLength(1);
  });

  it("lists each configured target role once", () => {
    const config = twoAccounts("eu-west-1");
    expect(targetRoleArns(config)).toEqual(["arn:aws:iam::222222222222:role/stagekeeper"]);
  });
});

describe("accounts that cannot be cleaned", () => {
  it("warns for the default (no accounts) and for each account without a roleArn", () => {
    const defaults = loadDeployConfig(root(), {}).config;
    expect(removalWarnings(defaults)).toHaveLength(1);
    const config = twoAccounts("us-east-1");
    expect(removalWarnings(config)).toEqual([
      expect.stringContaining('account 111111111111 has no "roleArn"'),
    ]);
  });
});

describe("stagekeeper.config.example.json", () => {
  it("is a valid config whose accounts can all be cleaned", () => {
    const repository = path.resolve(import.meta.dirname, "../..");
    const { config } = loadDeployConfig(repository, {
      STAGEKEEPER_CONFIG: "stagekeeper.config.example.json",
    });
    expect(config.dryRun).toBe(true);
    expect(removalWarnings(config)).toEqual([]);
  });
});
