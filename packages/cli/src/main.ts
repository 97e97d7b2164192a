import { UsageError } from "./args.js";
import { ConfigExit } from "./context.js";

type Command = (argv: string[]) => Promise<number>;

/** Commands load lazily: `plan` never loads the sandbox, and each command starts only what it needs. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  plan: {
    summary: "what would happen to every stage, and why",
    load: async () => (await import("./commands/plan.js")).plan,
  },
  run: {
    summary: "the daily job: plan, warn, remove through the safety gate, record",
    load: async () => (await import("./commands/run.js")).run,
  },
  remove: {
    summary: "remove one stage now, through the safety gate: [ACCOUNT/][REGION/]APP/STAGE",
    load: async () => (await import("./commands/remove.js")).remove,
  },
  status: {
    summary: "removals in flight, failures and stages sst remove refused",
    load: async () => (await import("./commands/status.js")).status,
  },
  report: {
    summary: "the latest run's digest as text (--json), or its HTML dashboard (--html FILE)",
    load: async () => (await import("./commands/report.js")).report,
  },
  sandbox: {
    summary: "serve the local stand-in for AWS and Slack until stopped",
    load: async () => (await import("./commands/sandbox.js")).sandbox,
  },
  demo: {
    summary: "run Stagekeeper against the demo estate in a sandbox (npm start)",
    load: async () => (await import("./commands/demo.js")).demo,
  },
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`stagekeeper: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.load())(rest);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigExit) {
      process.stderr.write(`stagekeeper ${name}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `Usage: stagekeeper <command> [options]\n\nCommands:\n${lines.join("\n")}\n`;
}
