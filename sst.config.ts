/// <reference path="./.sst/platform/config.d.ts" />

// Stagekeeper, deployed as an SST app: `npx sst deploy --stage production` (docs/deploy.md).
// The resources live in infra/, one module per concern; they are imported inside run(), as SST requires.

/** SST's app settings, named so that a misspelt key (say `protcet`) fails the type check instead of vanishing. */
type AppSettings = Awaited<ReturnType<Parameters<typeof $config>[0]["app"]>>;

export default $config({
  app(input): AppSettings {
    return {
      name: "stagekeeper",
      home: "aws",
      removal: input?.stage === "production" ? "retain" : "remove",
      protect: ["production"].includes(input?.stage),
    };
  },
  async run() {
    // Defaults for every function, including those that Cron, Queue and Bus create.
    $transform(sst.aws.Function, (args) => {
      args.runtime ??= "nodejs22.x";
      args.architecture ??= "arm64";
    });

    // Reads and validates the Stagekeeper config first: a bad config stops the deploy, naming the field.
    const { config, physical } = await import("./infra/config");
    const { ledger } = await import("./infra/storage");
    await import("./infra/secrets");
    const { removalDeadLetters, removalProject, removalQueue } = await import("./infra/removal");
    await import("./infra/settings");
    await import("./infra/worker");
    await import("./infra/build-events");
    const { daily, dailyRun } = await import("./infra/daily");
    const { slack } = await import("./infra/slack");
    const { github } = await import("./infra/github");
    const { dashboard } = await import("./infra/dashboard");

    return {
      dryRun: config.dryRun,
      schedule: config.schedule,
      slackUrl: slack.url,
      githubWebhookUrl: github.url,
      ledger: ledger.name,
      removalQueue: removalQueue.url,
      removalDeadLetters: removalDeadLetters.url,
      removalProject: removalProject.name,
      dailyFunction: daily.name,
      dailySchedule: dailyRun.nodes.schedule.name,
      // The roles that each target account's `stagekeeper` role trusts (docs/deploy.md, "A role in each account").
      trustedRoles: {
        scan: [physical("daily"), physical("worker"), physical("github")],
        removal: physical("remover"),
      },
      dashboard: dashboard?.dashboardName,
    };
  },
});
