import type { S3Client } from "@aws-sdk/client-s3";
import { describeError, s3Client } from "../aws/clients.js";
import type { Config } from "../config/index.js";
import { latestRun, type RunSnapshot } from "../ledger/runs.js";
import { parseWholeRun } from "../ledger/snapshot.js";
import { LedgerStore } from "../ledger/store.js";
import { planToJson } from "../plan/index.js";
import type { RunReport } from "../run/daily.js";
import { stageId } from "../stage/key.js";
import { dashboardHtml } from "./dashboard/page.js";
import { gatherReport, type ReportData, reportWithoutHistory } from "./data.js";
import { type DigestDelivery, deliverDigest } from "./deliver.js";
import { type Digest, digestBlocks } from "./digest.js";
import { DASHBOARD_KEY, publishDashboard } from "./publish.js";
import type { SlackOptions } from "./slack.js";

export interface ReportOptions {
  config: Config;
  now: Date;
  homeRegion: string;
  /** The ledger; by default the configured bucket. */
  store?: LedgerStore;
  /** For the dashboard upload; by default the home region's client. */
  s3?: S3Client;
  slack?: SlackOptions;
}

export interface ReportDelivery {
  digest: DigestDelivery;
  dashboard: { key?: string; url?: string; error?: string };
  /** Removal outcomes recorded since the previous run (for metrics). */
  outcomes: { removed: number; failed: number };
  /** Everything that went wrong while reporting: the run goes on and reports it. */
  errors: string[];
  /** What was reported (for files, the CLI and metrics); absent when the snapshot could not be read. */
  data?: ReportData;
  messages?: Digest;
}

/** The snapshot a run saves, built from its report (the same shape `runDaily` writes with saveRun). */
export function snapshotOfRun(
  report: Omit<RunReport, "snapshot" | "reported">,
  liveStages = report.plan.stages.length,
): RunSnapshot {
  return {
    at: report.plan.generatedAt.toISOString(),
    dryRun: report.dryRun,
    liveStages,
    ...(report.suspended ? { suspended: report.suspended } : {}),
    plan: planToJson(report.plan) as unknown as { stages: unknown[] },
    actions: {
      warned: report.warned.map(stageId),
      started: report.started.map((s) => ({ stage: stageId(s.stage), removalId: s.removalId })),
      wouldRemove: report.wouldRemove.map(stageId),
      refused: report.refused.map((r) => ({ stage: stageId(r.stage), reason: r.reason })),
    },
  };
}

function storeOf(
  options: Pick<ReportOptions, "config" | "homeRegion" | "store" | "s3">,
): LedgerStore | undefined {
  if (options.store) return options.store;
  if (!options.config.ledger) return undefined;
  return new LedgerStore(
    options.s3 ?? s3Client({ region: options.homeRegion }),
    options.config.ledger.bucket,
  );
}

/** The report of a snapshot, with the ledger's history when it can be read (else without, and says why). */
export async function buildReport(
  snapshot: RunSnapshot,
  options: Pick<ReportOptions, "config" | "homeRegion" | "store" | "s3">,
): Promise<{ data: ReportData; errors: string[] }> {
  const parsed = parseWholeRun(snapshot);
  const store = storeOf(options);
  if (!store) return { data: reportWithoutHistory(parsed, options.config), errors: [] };
  try {
    return { data: await gatherReport(store, parsed, options.config), errors: [] };
  } catch (error) {
    return {
      data: reportWithoutHistory(parsed, options.config),
      errors: [`the ledger's history could not be read: ${describeError(error)}`],
    };
  }
}

/** The latest run's report, for `stagekeeper report`; undefined when no run has been recorded yet. */
export async function latestReport(
  options: Pick<ReportOptions, "config" | "homeRegion" | "store" | "s3">,
): Promise<{ data: ReportData; errors: string[] } | undefined> {
  const store = storeOf(options);
  if (!store)
    throw new Error('no ledger bucket is configured: set "ledger": {"bucket": "..."} in the config');
  const snapshot = await latestRun(store);
  return snapshot && buildReport(snapshot, { ...options, store });
}

/**
 * The report step of a run: builds the report, publishes the dashboard (presigned link), and delivers the
 * digest to Slack, keeping it for the next run when Slack fails. Never throws: what failed is in `errors`.
 */
export async function publishReport(snapshot: RunSnapshot, options: ReportOptions): Promise<ReportDelivery> {
  const errors: string[] = [];
  const outcome: ReportDelivery = {
    digest: { status: "skipped", resent: [], pending: [] },
    dashboard: {},
    outcomes: { removed: 0, failed: 0 },
    errors,
  };
  try {
    const store = storeOf(options);
    const built = await buildReport(snapshot, { ...options, ...(store ? { store } : {}) });
    errors.push(...built.errors);
    const data = built.data;
    outcome.data = data;
    outcome.outcomes = {
      removed: data.removals.filter((r) => r.at > data.since).length,
      failed: data.failedRemovals.filter((f) => f.at > data.since).length,
    };
    const configured = options.config.slack?.dashboardUrl;
    if (options.config.ledger) {
      try {
        const s3 = options.s3 ?? s3Client({ region: options.homeRegion });
        const url = await publishDashboard(
          s3,
          options.config.ledger.bucket,
          dashboardHtml(data),
          options.now,
        );
        outcome.dashboard = { key: DASHBOARD_KEY, url: configured ?? url };
      } catch (error) {
        outcome.dashboard = { error: `the dashboard could not be written: ${describeError(error)}` };
        errors.push(outcome.dashboard.error as string);
      }
    }
    const url = outcome.dashboard.url ?? configured;
    const digest = digestBlocks(data, {
      ...(url
        ? { dashboardUrl: url }
        : { dashboardNote: outcome.dashboard.error ?? "no ledger bucket is configured" }),
    });
    outcome.messages = digest;
    outcome.digest = await deliverDigest({
      ...(store ? { store } : {}),
      config: options.config,
      at: data.at,
      digest,
      ...(options.slack ? { slack: options.slack } : {}),
    });
    if (outcome.digest.error && outcome.digest.status !== "skipped")
      errors.push(`the digest was not delivered: ${outcome.digest.error}`);
    errors.push(...(outcome.digest.ledgerErrors ?? []));
    return outcome;
  } catch (error) {
    errors.push(`the report failed: ${describeError(error)}`);
    return outcome;
  }
}
