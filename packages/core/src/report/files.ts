import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { dashboardHtml } from "./dashboard/page.js";
import type { ReportData } from "./data.js";
import { type Digest, digestBlocks } from "./digest.js";
import { digestText } from "./text.js";

export interface ReportFiles {
  /** The digest as text, as `stagekeeper report` prints it. */
  digestText: string;
  /** The digest's Slack messages (top-level and thread) as JSON. */
  digestJson: string;
  dashboard: string;
  /** The Slack channel page, when a page URL was given and answered. */
  slackPage?: string;
}

/**
 * Writes the report as files that outlive the process (the demo names them at the end): digest.txt,
 * digest.json, dashboard.html and, from `slackPageUrl` (the sandbox's GET /_sandbox/slack), slack.html.
 */
export async function writeReportFiles(
  dir: string,
  input: { data: ReportData; digest?: Digest; slackPageUrl?: string },
): Promise<ReportFiles> {
  const out = resolve(dir);
  await mkdir(out, { recursive: true });
  const digest =
    input.digest ?? digestBlocks(input.data, { dashboardNote: "dashboard.html, next to this file" });
  const files: ReportFiles = {
    digestText: join(out, "digest.txt"),
    digestJson: join(out, "digest.json"),
    dashboard: join(out, "dashboard.html"),
  };
  await Promise.all([
    writeFile(files.digestText, digestText(digest)),
    writeFile(files.digestJson, `${JSON.stringify(digest, null, 2)}\n`),
    writeFile(files.dashboard, dashboardHtml(input.data)),
  ]);
  if (input.slackPageUrl) {
    const response = await fetch(input.slackPageUrl);
    if (response.ok) {
      files.slackPage = join(out, "slack.html");
      await writeFile(files.slackPage, await response.text());
    }
  }
  return files;
}
