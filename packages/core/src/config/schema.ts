import { z } from "zod";
import { DEFAULT_KINDS } from "./defaults.js";
import * as rule from "./rules.js";

/** Kinds whose meaning the policy fixes: `permanent` is never removed, `other` is the catch-all. */
export const RESERVED_KINDS = { permanent: "permanent", other: "other", unknown: "unknown" } as const;

const expire = z.strictObject({
  idleDays: rule.wholeNumber(1, 3650, "days since the last deploy", 7).optional(),
  ageDays: rule.wholeNumber(1, 3650, "days since the stage was created", 30).optional(),
  onPrClosed: rule.bool("expire when the stage's pull request is closed").optional(),
  at: rule.isoDate().optional(),
});

const kind = z
  .strictObject({
    name: rule.kindName(),
    match: rule.regexString("^pr-(\\d+)$").optional(),
    ignoreCase: rule.bool("match regardless of letter case").default(false),
    owners: z
      .literal(true, rule.fix('must be true (match the stage names listed under "owners")'))
      .optional(),
    expire: expire.default({}),
    warnHours: rule.hours(24).default(24),
    removable: rule.bool("whether stages of this kind may be removed at all"),
  })
  .superRefine((value, ctx) => {
    if (value.match === undefined && value.owners === undefined) {
      ctx.addIssue({
        code: "custom",
        message:
          'needs "match" (a regular expression) or "owners": true, e.g. {"name": "preview", "match": "^preview-"}',
      });
    }
    const reserved = value.name === RESERVED_KINDS.permanent || value.name === RESERVED_KINDS.other;
    if (reserved && value.removable) {
      ctx.addIssue({
        code: "custom",
        path: ["removable"],
        message: `must be false: "${value.name}" stages are never removed; use another kind name for removable stages`,
      });
    }
    if (value.name === RESERVED_KINDS.unknown) {
      ctx.addIssue({
        code: "custom",
        path: ["name"],
        message: '"unknown" is reserved for names that are not valid SST stage names; choose another name',
      });
    }
  });

const account = z.strictObject({
  id: rule.accountId(),
  roleArn: rule.roleArn().optional(),
  regions: z.array(rule.region(), rule.fix('must be a list of AWS regions, e.g. ["us-east-1"]')).min(1, {
    error: 'must list at least one region, e.g. ["us-east-1"]',
  }),
});

const app = z.strictObject({
  name: rule.appName(),
  repository: rule.repository(),
  branch: rule.gitBranch().default("main"),
  account: rule.accountId().optional(),
});

const list = <T extends z.ZodType>(item: T, example: string) =>
  z.array(item, rule.fix(`must be a list, e.g. ${example}`));
const section = <T extends z.ZodRawShape>(shape: T, example: string) =>
  z.strictObject(shape, rule.fix(`must be an object, e.g. ${example}`));

export const configSchema = z
  .strictObject(
    {
      dryRun: rule.bool("true reports what would happen and changes nothing").default(true),
      kinds: list(kind, '[{"name": "pr", "match": "^pr-(\\\\d+)$", "removable": true}]')
        .min(1, { error: "must list at least one kind; leave it out to use the defaults" })
        .default(() => structuredClone(DEFAULT_KINDS)),
      owners: z
        .record(
          rule.stageName(),
          rule.slackUser(),
          rule.fix('must map stage names to Slack users, e.g. {"alice": "U0123"}'),
        )
        .default({}),
      personalPattern: rule.regexString("^dev-[a-z]+$").optional(),
      maxRemovalsPerRun: rule.wholeNumber(0, 1000, "removals", 10).default(10),
      maxKeepDays: rule.wholeNumber(1, 365, "days", 30).default(30),
      staleLockHours: rule.hours(24).default(24),
      dropGuardPercent: rule.wholeNumber(0, 100, "percent", 30).default(30),
      accounts: list(account, '[{"id": "123456789012", "regions": ["us-east-1"]}]').default([]),
      apps: list(app, '[{"name": "web", "repository": "acme/web"}]').default([]),
      slack: section(
        {
          channel: rule.slackChannel(),
          admins: list(rule.slackUser(), '["U0123ABCD"]').default([]),
          /** Who may remove a stage from Slack; the admins always may. */
          removers: z
            .enum(
              ["admins", "admins-and-owners", "anyone"],
              rule.fix('must be "admins", "admins-and-owners" or "anyone"'),
            )
            .default("admins-and-owners"),
          dashboardUrl: rule.httpsUrl().optional(),
        },
        '{"channel": "C0123ABCD", "admins": ["U0123ABCD"]}',
      ).optional(),
      github: section(
        {
          stageTemplate: rule.stageTemplate().default("pr-{number}"),
          graceMinutes: rule.wholeNumber(0, 10080, "minutes", 0).default(0),
        },
        '{"stageTemplate": "pr-{number}", "graceMinutes": 0}',
      ).optional(),
      ledger: section({ bucket: rule.bucketName() }, '{"bucket": "acme-stagekeeper"}').optional(),
      removal: section(
        { project: rule.codeBuildProject(), queue: rule.queue().default("stagekeeper-removals") },
        '{"project": "stagekeeper-remove", "queue": "stagekeeper-removals"}',
      ).optional(),
      schedule: rule.schedule().default("cron(0 8 * * ? *)"),
      // State reads are small GETs at ~50 ms each: 32 in flight reads 2,000 stages in seconds (BENCHMARKS.md).
      concurrency: rule.wholeNumber(1, 64, "parallel reads", 32).default(32),
    },
    rule.fix('must be a JSON object, e.g. {"dryRun": true}'),
  )
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.kinds.forEach((kind, index) => {
      if (seen.has(kind.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["kinds", index, "name"],
          message: `repeats the kind "${kind.name}"; kind names must be unique`,
        });
      }
      seen.add(kind.name);
    });
    const accounts = new Set<string>();
    config.accounts.forEach((account, index) => {
      if (accounts.has(account.id)) {
        ctx.addIssue({
          code: "custom",
          path: ["accounts", index, "id"],
          message: `repeats account ${account.id}; list each account once with all its regions`,
        });
      }
      accounts.add(account.id);
    });
    config.apps.forEach((app, index) => {
      if (app.account !== undefined && accounts.size > 0 && !accounts.has(app.account)) {
        ctx.addIssue({
          code: "custom",
          path: ["apps", index, "account"],
          message: `must be one of the ids under "accounts" (${[...accounts].join(", ")})`,
        });
      }
    });
  });

/** The validated config with every default applied. */
export type Config = z.infer<typeof configSchema>;
export type KindRule = Config["kinds"][number];
export type ExpiryRule = KindRule["expire"];
export type AccountConfig = Config["accounts"][number];
export type AppConfig = Config["apps"][number];
