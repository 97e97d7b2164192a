// The removal path after the safety gate: the queue (with its dead-letter queue) and the CodeBuild project
// that runs our buildspec, which assumes the target account's role and runs the app's own `sst remove`.
import { existsSync, readFileSync } from "node:fs";
// The removal contract (worker ↔ build): the ledger prefix of outcome records, the only one CodeBuild may write.
import { OUTCOME_PREFIX } from "../packages/core/src/removal/contract.js";
import { config, physical, targetRoles } from "./config";
import { ledger } from "./storage";

/** Our buildspec (written with the removal engine); never the app's own. */
export const BUILDSPEC = "buildspec/remove.yml";
/** Optional, at deploy time: a CodeConnections connection to GitHub used as the project's source credential. */
const CONNECTION_ENV = "STAGEKEEPER_CODECONNECTION_ARN";

const partition = aws.getPartitionOutput({}).partition;
const region = aws.getRegionOutput({}).region;
const accountId = aws.getCallerIdentityOutput({}).accountId;

export const removalDeadLetters = new sst.aws.Queue("RemovalDeadLetters", {
  // Two weeks to look at a request the worker could not handle (the SQS maximum).
  transform: { queue: { messageRetentionSeconds: 14 * 24 * 60 * 60 } },
});

export const removalQueue = new sst.aws.Queue("RemovalQueue", {
  // Six times the worker's timeout (2 minutes), as AWS advises for Lambda event sources.
  visibilityTimeout: "12 minutes",
  dlq: { queue: removalDeadLetters.arn, retry: 5 },
});

const projectName = physical("remove");
const projectArn = $interpolate`arn:${partition}:codebuild:${region}:${accountId}:project/${projectName}`;

export const removalLogs = new aws.cloudwatch.LogGroup("RemovalLogs", {
  name: `/aws/codebuild/${projectName}`,
  retentionInDays: 90,
});

/**
 * CodeBuild's service role. In this account it can only write its logs and its outcome; its reach is the
 * target roles it may assume (`accounts[].roleArn`), which is where `sst remove`'s broad permissions live
 * (docs/deploy.md, "A role in each account").
 */
export const removalRole = new aws.iam.Role("RemovalRole", {
  name: physical("remover"),
  description: "Stagekeeper CodeBuild: runs sst remove by assuming the configured target roles",
  assumeRolePolicy: aws.iam.getPolicyDocumentOutput({
    statements: [
      {
        actions: ["sts:AssumeRole"],
        principals: [{ type: "Service", identifiers: ["codebuild.amazonaws.com"] }],
        conditions: [
          { test: "StringEquals", variable: "aws:SourceAccount", values: [accountId] },
          { test: "ArnEquals", variable: "aws:SourceArn", values: [projectArn] },
        ],
      },
    ],
  }).json,
});

const connectionArn = process.env[CONNECTION_ENV]?.trim() || undefined;

const removalRolePolicy = new aws.iam.RolePolicy("RemovalRolePolicy", {
  role: removalRole.id,
  policy: aws.iam.getPolicyDocumentOutput({
    statements: [
      {
        sid: "BuildLogs",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [$interpolate`${removalLogs.arn}:*`],
      },
      {
        sid: "WriteOutcome",
        actions: ["s3:PutObject"],
        resources: [$interpolate`${ledger.arn}/${OUTCOME_PREFIX}*`],
      },
      ...(targetRoles.length > 0
        ? [{ sid: "AssumeTargetRoles", actions: ["sts:AssumeRole"], resources: targetRoles }]
        : []),
      ...(connectionArn
        ? [
            {
              sid: "SourceConnection",
              actions: [
                "codeconnections:GetConnection",
                "codeconnections:GetConnectionToken",
                "codeconnections:UseConnection",
                "codestar-connections:GetConnection",
                "codestar-connections:GetConnectionToken",
                "codestar-connections:UseConnection",
              ],
              resources: [connectionArn],
            },
          ]
        : []),
    ],
  }).json,
});

function buildspec(): string {
  if (!existsSync(BUILDSPEC)) {
    throw new Error(`${BUILDSPEC} is missing: the removal project runs it, so it must be deployed with it`);
  }
  return readFileSync(BUILDSPEC, "utf8");
}

/** Every build overrides the location with the app's repository; this only has to be a valid GitHub URL. */
const placeholderRepository = `https://github.com/${config.apps[0]?.repository ?? "stagekeeper/placeholder"}.git`;

export const removalProject = new aws.codebuild.Project(
  "RemovalProject",
  {
    name: projectName,
    description: "Stagekeeper: runs sst remove for one stage of a configured app (buildspec/remove.yml)",
    serviceRole: removalRole.arn,
    buildTimeout: 60,
    // A removal is retried by Stagekeeper after reading its outcome, never blindly by CodeBuild.
    autoRetryLimit: 0,
    artifacts: { type: "NO_ARTIFACTS" },
    environment: {
      type: "LINUX_CONTAINER",
      computeType: "BUILD_GENERAL1_MEDIUM",
      image: "aws/codebuild/amazonlinux-x86_64-standard:5.0",
      imagePullCredentialsType: "CODEBUILD",
      // Defaults only: the worker passes the whole removal environment with every build (contract.ts).
      environmentVariables: [
        { name: "STAGEKEEPER_LEDGER_BUCKET", value: ledger.name },
        { name: "SST_TELEMETRY_DISABLED", value: "1" },
        { name: "SST_AWS_NO_PROFILE", value: "1" },
        { name: "SST_PRINT_LOGS", value: "1" },
      ],
    },
    source: {
      type: "GITHUB",
      location: placeholderRepository,
      buildspec: buildspec(),
      gitCloneDepth: 1,
      reportBuildStatus: false,
      ...(connectionArn ? { auth: { type: "CODECONNECTIONS", resource: connectionArn } } : {}),
    },
    logsConfig: {
      cloudwatchLogs: { status: "ENABLED", groupName: removalLogs.name },
      s3Logs: { status: "DISABLED" },
    },
  },
  { dependsOn: [removalRolePolicy] },
);
