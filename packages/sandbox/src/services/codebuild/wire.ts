import { epochSeconds } from "../aws-json.js";
import { type Build, currentPhase, durationInSeconds, type Phase } from "./builds.js";

export const IMAGE = "aws/codebuild/amazonlinux-x86_64-standard:5.0";
export const COMPUTE_TYPE = "BUILD_GENERAL1_SMALL";

/** A Build as BatchGetBuilds, StartBuild and StopBuild send it (awsJson: timestamps in epoch seconds). */
export function buildToWire(build: Build): Record<string, unknown> {
  const sourced = build.phases.some((p) => p.type === "DOWNLOAD_SOURCE" && p.end);
  return {
    id: build.id,
    arn: build.arn,
    buildNumber: build.buildNumber,
    startTime: epochSeconds(build.startTime),
    ...(build.endTime ? { endTime: epochSeconds(build.endTime) } : {}),
    currentPhase: currentPhase(build),
    buildStatus: build.status,
    ...(build.sourceVersion !== undefined ? { sourceVersion: build.sourceVersion } : {}),
    ...(sourced && build.resolvedSourceVersion ? { resolvedSourceVersion: build.resolvedSourceVersion } : {}),
    projectName: build.project,
    phases: build.phases.map(phaseToWire),
    source: build.source,
    secondarySources: [],
    secondarySourceVersions: [],
    artifacts: { location: "" },
    cache: { type: "NO_CACHE" },
    environment: {
      type: "LINUX_CONTAINER",
      image: IMAGE,
      computeType: COMPUTE_TYPE,
      environmentVariables: build.env,
      privilegedMode: false,
      imagePullCredentialsType: "CODEBUILD",
    },
    serviceRole: build.serviceRole,
    logs: logsToWire(build),
    timeoutInMinutes: build.timeoutInMinutes,
    queuedTimeoutInMinutes: build.queuedTimeoutInMinutes,
    buildComplete: build.complete,
    initiator: build.initiator,
    encryptionKey: `arn:aws:kms:${build.region}:${build.account}:alias/aws/s3`,
  };
}

function phaseToWire(phase: Phase): Record<string, unknown> {
  if (phase.type === "COMPLETED") return { phaseType: phase.type, startTime: epochSeconds(phase.start) };
  return {
    phaseType: phase.type,
    ...(phase.status && phase.end ? { phaseStatus: phase.status } : {}),
    startTime: epochSeconds(phase.start),
    ...(phase.end ? { endTime: epochSeconds(phase.end), durationInSeconds: durationInSeconds(phase) } : {}),
    ...(phase.contexts ? { contexts: phase.contexts } : {}),
  };
}

export function logGroup(build: Build): string {
  return `/aws/codebuild/${build.project}`;
}

/** The log stream exists once PROVISIONING is over; before that there is nothing to link to. */
export function deepLink(build: Build): string | undefined {
  const provisioned = build.phases.some((p) => p.type === "PROVISIONING" && p.end);
  if (!provisioned) return undefined;
  const group = encodeURIComponent(logGroup(build));
  return `https://console.aws.amazon.com/cloudwatch/home?region=${build.region}#logEvent:group=${group};stream=${build.uuid}`;
}

function logsToWire(build: Build): Record<string, unknown> {
  const link = deepLink(build);
  return {
    groupName: logGroup(build),
    streamName: build.uuid,
    ...(link
      ? {
          deepLink: link,
          cloudWatchLogsArn: `arn:aws:logs:${build.region}:${build.account}:log-group:${logGroup(build)}:log-stream:${build.uuid}`,
        }
      : {}),
    cloudWatchLogs: { status: "ENABLED" },
    s3Logs: { status: "DISABLED", encryptionDisabled: false },
  };
}
