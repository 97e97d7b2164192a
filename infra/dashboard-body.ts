// The CloudWatch dashboard body from dashboards/stagekeeper.json. Plain TypeScript (no SST globals) so it can be
// unit-tested. The file is CloudWatch's dashboard body JSON; `{{name}}` placeholders are replaced with this
// deployment's values (DASHBOARD_TOKENS), since function, queue and project names are generated per stage.

export const DASHBOARD_TOKENS = [
  "region",
  "app",
  "stage",
  "ledgerBucket",
  "queueName",
  "deadLetterQueueName",
  "projectName",
  "dailyFunction",
  "workerFunction",
  "slackFunction",
  "githubFunction",
  "buildEventsFunction",
] as const;

export type DashboardToken = (typeof DASHBOARD_TOKENS)[number];

/** Replaces every `{{token}}`; an unknown token or a body that is not a JSON object fails the deploy. */
export function renderDashboard(
  text: string,
  values: Record<DashboardToken, string>,
  source: string,
): string {
  const known = new Set<string>(DASHBOARD_TOKENS);
  const rendered = text.replace(/\{\{\s*([A-Za-z]+)\s*\}\}/g, (_match, name: string) => {
    if (!known.has(name)) {
      throw new Error(`${source}: unknown placeholder {{${name}}}; known: ${DASHBOARD_TOKENS.join(", ")}`);
    }
    // Values land inside JSON strings: escape them as JSON would.
    return JSON.stringify(values[name as DashboardToken]).slice(1, -1);
  });
  let body: unknown;
  try {
    body = JSON.parse(rendered);
  } catch (error) {
    throw new Error(
      `${source}: is not valid JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  if (typeof body !== "object" || body === null || !Array.isArray((body as { widgets?: unknown }).widgets)) {
    throw new Error(`${source}: must be a CloudWatch dashboard body, an object with a "widgets" list`);
  }
  return JSON.stringify(body);
}
