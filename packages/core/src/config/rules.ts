import { z } from "zod";
import { ACCOUNT_ID, APP_NAME, REGION, STAGE_NAME } from "../stage/key.js";

/**
 * Field-level validators. Every message says what the field must be and gives an example, because a
 * person reading "kinds[2].match: Invalid input" at 8 a.m. cannot fix their config from it.
 */

type Issue = { input?: unknown };

/** A message for every issue of one field; a missing required field says so first. */
export function fix(rule: string): { error: (issue: Issue) => string } {
  return { error: (issue) => (issue.input === undefined ? `is required; it ${rule}` : rule) };
}

export function isRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

export const regexString = (example: string) => {
  const rule = `must be a valid regular expression, e.g. ${JSON.stringify(example)}`;
  return z.string(fix(rule)).min(1, fix(rule)).refine(isRegExp, fix(rule));
};

export const wholeNumber = (min: number, max: number, what: string, example: number) => {
  const rule = `must be a whole number of ${what} from ${min} to ${max}, e.g. ${example}`;
  return z.number(fix(rule)).int(fix(rule)).min(min, fix(rule)).max(max, fix(rule));
};

export const hours = (example: number) => {
  const rule = `must be a number of hours from 0 to 8760, e.g. ${example}`;
  return z.number(fix(rule)).min(0, fix(rule)).max(8760, fix(rule));
};

export const bool = (meaning: string) => z.boolean(fix(`must be true or false (${meaning})`));

/** A calendar date or a full timestamp with a zone: "2025-09-30" or "2025-09-30T18:00:00Z". */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;
export const isoDate = () => {
  const rule = 'must be an ISO 8601 date or UTC timestamp, e.g. "2025-09-30" or "2025-09-30T18:00:00Z"';
  return z
    .string(fix(rule))
    .refine((text) => ISO_TIME.test(text) && !Number.isNaN(Date.parse(text)), fix(rule));
};

const pattern = (regex: RegExp, rule: string) => z.string(fix(rule)).regex(regex, fix(rule));

export const kindName = () =>
  pattern(/^[a-z][a-z0-9-]{0,39}$/, 'must be a lower-case name of letters, digits and "-", e.g. "preview"');
export const stageName = () =>
  pattern(STAGE_NAME, 'must be an SST stage name (letters, digits and "-"), e.g. "alice"');
export const appName = () =>
  pattern(APP_NAME, 'must be an SST app name (a letter, then letters, digits and "-"), e.g. "web"');
export const slackUser = () => pattern(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user id, e.g. "U0123ABCD"');
export const accountId = () => pattern(ACCOUNT_ID, 'must be a 12-digit AWS account id, e.g. "123456789012"');
export const region = () => pattern(REGION, 'must be an AWS region, e.g. "us-east-1"');
export const roleArn = () =>
  pattern(
    /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
    'must be an IAM role ARN, e.g. "arn:aws:iam::123456789012:role/stagekeeper"',
  );
export const repository = () =>
  pattern(/^[\w.-]+\/[\w.-]+$/, 'must be a GitHub repository as "owner/repo", e.g. "acme/web"');
export const gitBranch = () => pattern(/^(?!-)[\w./-]+$/, 'must be a git branch name, e.g. "main"');
export const slackChannel = () =>
  pattern(/^(#[a-z0-9_-]+|[CG][A-Z0-9]{2,})$/, 'must be a Slack channel id or "#name", e.g. "C0123ABCD"');
export const bucketName = () =>
  pattern(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name, e.g. "acme-stagekeeper"');
export const codeBuildProject = () =>
  pattern(/^[A-Za-z0-9][A-Za-z0-9_-]{1,254}$/, 'must be a CodeBuild project name, e.g. "stagekeeper-remove"');
export const queue = () =>
  pattern(
    /^(https?:\/\/\S+|[A-Za-z0-9_-]{1,80})$/,
    'must be an SQS queue URL or name, e.g. "stagekeeper-removals"',
  );
export const httpsUrl = () => pattern(/^https?:\/\/\S+$/, 'must be a URL, e.g. "https://example.com/stages"');
export const schedule = () =>
  pattern(/^(cron|rate)\(.+\)$/, 'must be an EventBridge schedule expression, e.g. "cron(0 8 * * ? *)"');
export const stageTemplate = () =>
  pattern(
    /^[A-Za-z0-9-]*\{number\}[A-Za-z0-9-]*$/,
    'must be a stage name containing "{number}", e.g. "pr-{number}"',
  );
