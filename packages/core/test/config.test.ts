import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, type ConfigProblem, loadConfig, parseConfig } from "../src/config/index.js";
import { classify } from "../src/policy/index.js";

function problems(json: unknown): ConfigProblem[] {
  try {
    parseConfig(json);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

const pathsOf = (json: unknown) => problems(json).map((p) => p.path);

describe("defaults", () => {
  it("an empty document is a dry run with the safe default kinds", () => {
    const config = parseConfig({});
    expect(config.dryRun).toBe(true);
    expect(config.kinds.map((k) => k.name)).toEqual(["permanent", "pr", "personal"]);
    expect(config).toMatchObject({
      maxRemovalsPerRun: 10,
      maxKeepDays: 30,
      staleLockHours: 24,
      dropGuardPercent: 30,
      accounts: [],
      apps: [],
      owners: {},
      schedule: "cron(0 8 * * ? *)",
      concurrency: 32,
    });
    expect(config.kinds.every((k) => k.warnHours === 24)).toBe(true);
    expect(config.kinds.find((k) => k.name === "permanent")?.removable).toBe(false);
  });

  it("defaults are not shared between parses", () => {
    const pr = parseConfig({}).kinds[1];
    if (pr) pr.expire.idleDays = 1;
    expect(parseConfig({}).kinds[1]?.expire.idleDays).toBe(7);
  });

  it("fills nested defaults", () => {
    const config = parseConfig({
      github: {},
      apps: [{ name: "web", repository: "acme/web" }],
      kinds: [{ name: "preview", match: "^preview-", removable: true }],
    });
    expect(config.github).toEqual({ stageTemplate: "pr-{number}", graceMinutes: 0 });
    expect(config.apps[0]?.branch).toBe("main");
    expect(config.kinds[0]).toMatchObject({ warnHours: 24, expire: {}, ignoreCase: false });
  });

  it("loadConfig with no path gives the defaults; with a file, validates it", async () => {
    expect(await loadConfig()).toEqual(parseConfig({}));
    const dir = await mkdtemp(join(tmpdir(), "stagekeeper-config-"));
    const good = join(dir, "good.json");
    await writeFile(good, JSON.stringify({ dryRun: false, owners: { alice: "U0123" } }));
    expect((await loadConfig(good)).dryRun).toBe(false);
    const bad = join(dir, "bad.json");
    await writeFile(bad, "{ not json");
    await expect(loadConfig(bad)).rejects.toThrow(/bad\.json is not valid:[\s\S]*not valid JSON/);
    await expect(loadConfig(join(dir, "missing.json"))).rejects.toThrow(/cannot be read/);
  });
});

describe("docs/config.md", () => {
  it("its example is a valid config", async () => {
    const doc = await readFile(new URL("../../../docs/config.md", import.meta.url), "utf8");
    const example = /```json\n([\s\S]*?)```/.exec(doc)?.[1];
    const config = parseConfig(JSON.parse(example ?? "null"));
    expect(config.kinds.map((k) => k.name)).toEqual(["permanent", "pr", "personal", "demo"]);
    expect(classify("production-eu", config).kind).toBe("permanent");
  });
});

describe("errors name the field and the fix", () => {
  it("a bad regular expression names kinds[i].match with an example", () => {
    const json = {
      kinds: [
        { name: "a", match: "^a", removable: true },
        { name: "b", match: "^b", removable: true },
        { name: "c", match: "(", removable: true },
      ],
    };
    expect(() => parseConfig(json)).toThrow(
      'kinds[2].match: must be a valid regular expression, e.g. "^pr-(\\\\d+)$"',
    );
  });

  it("unknown keys are named, at any depth", () => {
    expect(
      pathsOf({ dryrun: true, kinds: [{ name: "a", match: "x", removable: true, expires: {} }] }),
    ).toEqual(["kinds[0].expires", "dryrun"]);
    expect(problems({ slack: { channel: "C0123", admin: [] } })[0]).toEqual({
      path: "slack.admin",
      message: expect.stringContaining("not a known setting"),
    });
  });

  it("reports every bad field at once", () => {
    const found = problems({
      dryRun: "yes",
      maxRemovalsPerRun: -1,
      owners: { "bad name": "U0123", alice: "alice" },
      accounts: [{ id: "12", regions: [] }],
      slack: { admins: ["U1234"] },
    });
    expect(found.map((p) => p.path)).toEqual([
      "dryRun",
      'owners["bad name"]',
      "owners.alice",
      "maxRemovalsPerRun",
      "accounts[0].id",
      "accounts[0].regions",
      "slack.channel",
    ]);
    expect(found.find((p) => p.path === "slack.channel")?.message).toMatch(
      /^is required; it must be a Slack channel/,
    );
    expect(found.find((p) => p.path === "owners.alice")?.message).toContain('e.g. "U0123ABCD"');
  });

  it("a kind needs a match or owners, and a name", () => {
    expect(problems({ kinds: [{ match: "x", removable: true }] })).toEqual([
      { path: "kinds[0].name", message: expect.stringContaining("is required") },
    ]);
    expect(problems({ kinds: [{ name: "a", removable: true }] })).toEqual([
      { path: "kinds[0]", message: expect.stringContaining('needs "match"') },
    ]);
    expect(pathsOf({ kinds: [{ name: "a", match: "a" }] })).toEqual(["kinds[0].removable"]);
  });

  it("reserved kinds keep their meaning", () => {
    expect(pathsOf({ kinds: [{ name: "permanent", match: "^prod$", removable: true }] })).toEqual([
      "kinds[0].removable",
    ]);
    expect(pathsOf({ kinds: [{ name: "other", match: ".", removable: true }] })).toEqual([
      "kinds[0].removable",
    ]);
    expect(pathsOf({ kinds: [{ name: "unknown", match: ".", removable: false }] })).toEqual([
      "kinds[0].name",
    ]);
  });

  it("expiry fields are checked", () => {
    const json = {
      kinds: [{ name: "x", match: "x", removable: true, expire: { idleDays: 0, at: "next week" } }],
    };
    expect(pathsOf(json)).toEqual(["kinds[0].expire.idleDays", "kinds[0].expire.at"]);
    const ok = parseConfig({
      kinds: [{ name: "x", match: "x", removable: true, expire: { at: "2025-09-30" } }],
    });
    expect(ok.kinds[0]?.expire.at).toBe("2025-09-30");
  });

  it("cross-field rules: unique kinds and accounts, apps in listed accounts", () => {
    const kinds = {
      kinds: [
        { name: "a", match: "a", removable: false },
        { name: "a", match: "b", removable: false },
      ],
    };
    expect(pathsOf(kinds)).toEqual(["kinds[1].name"]);
    const accounts = {
      accounts: [{ id: "111111111111", regions: ["us-east-1"] }],
      apps: [{ name: "web", repository: "acme/web", account: "222222222222" }],
    };
    expect(problems(accounts)).toEqual([
      { path: "apps[0].account", message: expect.stringContaining("111111111111") },
    ]);
  });

  it("a document that is not an object says what it must be", () => {
    expect(pathsOf("dryRun")).toEqual(["(document)"]);
    expect(pathsOf(null)).toEqual(["(document)"]);
  });
});

describe("default kinds", () => {
  const config = parseConfig({ owners: { alice: "U0AAA" }, personalPattern: "^dev-[a-z]+$" });
  it.each([
    ["production", "permanent"],
    ["Production", "permanent"],
    ["production-eu", "permanent"],
    ["staging", "permanent"],
    ["PROD-us", "permanent"],
    ["main", "permanent"],
    ["master", "permanent"],
    ["live", "permanent"],
    ["release-2", "permanent"],
    ["pr-12", "pr"],
    ["PR-12", "other"],
    ["pr-12a", "other"],
    ["alice", "personal"],
    ["dev-bob", "personal"],
    ["bob", "other"],
    ["productions", "other"],
    ["has space", "unknown"],
    ["", "unknown"],
  ])("%s is %s", (stage, kind) => {
    expect(classify(stage, config).kind).toBe(kind);
  });

  it("first match wins", () => {
    const custom = parseConfig({
      kinds: [
        { name: "preview", match: "^pr-1", removable: true },
        { name: "pr", match: "^pr-", removable: true },
      ],
    });
    expect(classify("pr-12", custom).kind).toBe("preview");
    expect(classify("pr-2", custom).kind).toBe("pr");
    expect(classify("production", custom).kind).toBe("other");
  });
});
