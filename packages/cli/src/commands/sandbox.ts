import { readFile } from "node:fs/promises";
import { parse, parseCount, UsageError } from "../args.js";

/** `stagekeeper sandbox`: serves an estate on 127.0.0.1 until stopped. Tests and `demo` run it as a child process. */
export async function sandbox(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    seed: { type: "string" },
    generate: { type: "string" },
    "seed-number": { type: "string" },
    resources: { type: "string" },
    days: { type: "string" },
    port: { type: "string" },
    latency: { type: "string" },
    json: { type: "boolean" },
  });
  const { demoSeed, generateSeed, parseSeed, startSandbox } = await import("@stagekeeper/sandbox");
  if (values.seed && values.generate) throw new UsageError("give either --seed or --generate, not both");
  const seed = values.seed
    ? parseSeed(JSON.parse(await readFile(values.seed, "utf8")))
    : values.generate
      ? generateSeed({
          stages: parseCount("generate", values.generate, 0),
          seedNumber: parseCount("seed-number", values["seed-number"], 1),
          ...(values.resources ? { resources: parseCount("resources", values.resources, 0) } : {}),
          ...(values.days ? { days: parseCount("days", values.days, 90) } : {}),
        })
      : demoSeed();
  const running = await startSandbox({
    seed,
    port: parseCount("port", values.port, 0),
    latencyMs: parseCount("latency", values.latency, 0),
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ url: running.url, env: running.env })}\n`);
  } else {
    process.stdout.write(`Stagekeeper sandbox on ${running.url} (${seed.stages.length} stages). Export:\n\n`);
    for (const [name, value] of Object.entries(running.env))
      process.stdout.write(`export ${name}=${value}\n`);
    process.stdout.write(
      "\nControl API: GET /_sandbox/health, POST /_sandbox/clock, ... (docs/sandbox.md). Ctrl-C stops it.\n",
    );
  }
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
    // A parent that drives the sandbox over --json stops it by closing our stdin, even if the parent crashed.
    if (values.json) process.stdin.once("close", resolve).resume();
  });
  // An open stdin would keep the process alive after a signal.
  if (values.json) process.stdin.destroy();
  await running.close();
  return 0;
}
