import { LogLevel, WebClient } from "@slack/web-api";
import { latestRun } from "../ledger/runs.js";
import { parseRun } from "../ledger/snapshot.js";
import type { LedgerStore } from "../ledger/store.js";
import { formatUsd } from "../money/index.js";
import { formatTime } from "../policy/index.js";
import type { StageCost } from "../stage/facts.js";
import { type StageKey, stageId } from "../stage/key.js";

/** The webhook must answer GitHub within 10 s: Slack gets one short try, never the client's long retries. */
const SLACK_TIMEOUT_MS = 3000;

export function slackClient(token: string): WebClient {
  return new WebClient(token, {
    ...(process.env.SLACK_API_URL ? { slackApiUrl: process.env.SLACK_API_URL } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: SLACK_TIMEOUT_MS,
    logLevel: LogLevel.ERROR,
  });
}

/**
 * What each stage cost at the last daily run, by stageId, from the run snapshot in the ledger. Costs only
 * enrich a note and the audit log: an unreadable snapshot gives an empty map, never a failure.
 */
export async function latestCosts(store: LedgerStore): Promise<Map<string, StageCost>> {
  const costs = new Map<string, StageCost>();
  try {
    const run = await latestRun(store);
    for (const stage of run ? parseRun(run, { daily: false }).stages : [])
      if (stage.cost) costs.set(stageId(stage), { ...stage.cost, daily: [] });
  } catch {
    costs.clear();
  }
  return costs;
}

function where(key: StageKey): string {
  return `\`${key.app}/${key.stage}\` (${key.account} ${key.region})`;
}

function costLine(cost: StageCost | undefined): string {
  if (!cost) return "Its cost is not known yet: no daily run has priced it.";
  return `It cost ${formatUsd(cost.last7Days)} in the last 7 days, ${formatUsd(cost.monthToDate)} this month.`;
}

export function removalNote(
  pr: string,
  why: string,
  stages: readonly { key: StageKey; cost?: StageCost | undefined }[],
): string {
  const lines = stages.map((s) => `Removing ${where(s.key)}: ${pr} was ${why}. ${costLine(s.cost)}`);
  return lines.join("\n");
}

export function pendingNote(pr: string, why: string, stage: string, dueAt: Date): string {
  return `\`${stage}\` of ${pr} will be removed at ${formatTime(dueAt)}: the pull request was ${why}. Reopening it before then keeps the stage.`;
}

export function cancelledNote(pr: string, stage: string): string {
  return `\`${stage}\` stays: ${pr} was reopened before its removal was due.`;
}

/** Posts to `slack.channel`; a failure is returned for the reply, never thrown. */
export async function postNote(slack: WebClient | undefined, channel: string | undefined, text: string) {
  if (!slack || !channel || !text) return undefined;
  try {
    await slack.chat.postMessage({ channel, text, unfurl_links: false });
    return undefined;
  } catch (error) {
    return `the Slack note was not sent (${error instanceof Error ? error.message : String(error)})`;
  }
}
