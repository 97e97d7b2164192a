import { z } from "zod";

/**
 * The estate seed: a JSON document describing the AWS accounts, SST apps and stages (and the Slack workspace)
 * that the sandbox stands in for. docs/sandbox.md documents every field.
 */
const accountId = z.string().regex(/^\d{12}$/, "an account id is 12 digits");
const isoTime = z.iso.datetime({ offset: true });
const isoDate = z.iso.date();
const amount = z.string().regex(/^\d+(\.\d+)?$/, 'an amount is a decimal string such as "1.25"');

const update = z.strictObject({
  id: z.string().optional(),
  command: z.enum(["deploy", "remove", "refresh", "diff"]).default("deploy"),
  timeStarted: isoTime,
  timeCompleted: isoTime.optional(),
  errors: z.array(z.string()).default([]),
  runID: z.string().optional(),
});

const resource = z.strictObject({
  type: z.string(),
  name: z.string(),
  retain: z.boolean().default(false),
});

const cost = z.strictObject({
  /** Constant spend per day from the stage's creation until it is removed. */
  daily: amount.optional(),
  /** Explicit spend per day (UTC dates); wins over `daily` on the days it names. */
  series: z.record(isoDate, amount).default({}),
});

export const stageSeed = z.strictObject({
  app: z.string(),
  stage: z.string(),
  account: accountId,
  region: z.string(),
  createdAt: isoTime,
  /** Newest deploy; the update records are derived from createdAt and this unless `updates` is given. */
  lastDeployedAt: isoTime.optional(),
  updates: z.array(update).optional(),
  /** `_protect` as the state records it; null writes an old state without `_protect`. */
  protect: z.boolean().nullable().default(false),
  /** false: the stage was removed (its `app/` object stays, empty). */
  live: z.boolean().default(true),
  lock: z
    .strictObject({
      created: isoTime,
      command: z.string().default("deploy"),
      updateID: z.string().optional(),
      runID: z.string().optional(),
    })
    .optional(),
  gzip: z.boolean().default(false),
  /** A count makes a typical mix of resources; a list names them. */
  resources: z.union([z.number().int().min(0), z.array(resource)]).default(8),
  cost: cost.default({ series: {} }),
  /** The state file's body verbatim (for malformed states); replaces the rendered checkpoint. */
  rawState: z.string().optional(),
});

export const seedSchema = z.strictObject({
  version: z.literal(1),
  /** Where the sandbox clock starts. */
  now: isoTime,
  accounts: z
    .array(
      z.strictObject({
        id: accountId,
        name: z.string(),
        regions: z.array(z.string()).min(1),
        /** Role names that AssumeRole grants in this account. */
        roles: z.array(z.string()).default(["stagekeeper"]),
        /** Regions holding SST's bootstrap parameter and state bucket; defaults to the regions that have stages. */
        bootstrapRegions: z.array(z.string()).optional(),
        /** Buckets of other tools, e.g. Stagekeeper's own ledger bucket. */
        buckets: z.array(z.strictObject({ name: z.string(), region: z.string() })).default([]),
        /** Spend without the sst tags, per day. */
        untaggedDaily: amount.default("0"),
        /** Cost allocation tag status: inactive tags cannot group costs. */
        costTags: z
          .strictObject({
            "sst:app": z.enum(["Active", "Inactive"]).default("Active"),
            "sst:stage": z.enum(["Active", "Inactive"]).default("Active"),
          })
          .default({ "sst:app": "Active", "sst:stage": "Active" }),
      }),
    )
    .min(1),
  apps: z.array(
    z.strictObject({
      name: z.string(),
      repository: z.string(),
      branch: z.string().default("main"),
      /** Stages the app's current sst.config.ts protects; it can disagree with a state's `_protect`. */
      protect: z.array(z.string()).default([]),
    }),
  ),
  stages: z.array(stageSeed),
  /** Tagged resources whose stage has no state at all. */
  orphans: z
    .array(
      z.strictObject({
        account: accountId,
        region: z.string(),
        app: z.string(),
        stage: z.string(),
        resources: z.array(resource).min(1),
        cost: cost.optional(),
      }),
    )
    .default([]),
  /** Raw objects put into a bucket as they are (malformed keys and files). */
  objects: z
    .array(
      z.strictObject({
        bucket: z.string(),
        key: z.string(),
        body: z.string(),
        gzip: z.boolean().default(false),
      }),
    )
    .default([]),
  codebuild: z
    .strictObject({
      projects: z
        .array(z.strictObject({ name: z.string(), account: accountId, region: z.string() }))
        .default([]),
      /** Concurrent builds per account; up to five times as many wait in the queue. */
      concurrency: z.number().int().min(0).default(5),
      /** Sandbox seconds from StartBuild to COMPLETED. */
      buildSeconds: z.number().min(0).default(3),
    })
    .default({ projects: [], concurrency: 5, buildSeconds: 3 }),
  queues: z.array(z.strictObject({ name: z.string(), account: accountId, region: z.string() })).default([]),
  slack: z
    .strictObject({
      team: z.string().default("T0SANDBOX"),
      tokens: z.array(z.string()).default(["xoxb-sandbox"]),
      channels: z.array(
        z.strictObject({ id: z.string(), name: z.string(), archived: z.boolean().default(false) }),
      ),
      users: z.array(z.strictObject({ id: z.string(), name: z.string() })).default([]),
    })
    .default({ team: "T0SANDBOX", tokens: ["xoxb-sandbox"], channels: [], users: [] }),
  github: z
    .strictObject({
      pulls: z
        .array(
          z.strictObject({
            repository: z.string(),
            number: z.number().int().positive(),
            state: z.enum(["open", "closed"]),
            merged: z.boolean().default(false),
            author: z.string().default("octocat"),
            closedAt: isoTime.optional(),
          }),
        )
        .default([]),
    })
    .default({ pulls: [] }),
});

export type Seed = z.output<typeof seedSchema>;
export type SeedInput = z.input<typeof seedSchema>;
export type StageSeed = z.output<typeof stageSeed>;

export function parseSeed(json: unknown): Seed {
  const result = seedSchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `  ${issue.path.join(".") || "(root)"}: ${issue.message}`,
  );
  throw new Error(`invalid sandbox seed:\n${problems.join("\n")}`);
}
