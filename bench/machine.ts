// The machine a benchmark ran on, and BENCHMARKS.md's sections replaced in place (the others are left as
// they are: other benchmarks write theirs).
import { readFile, writeFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import { fileURLToPath } from "node:url";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  load: string;
}

export function machine(): Machine {
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    load: loadavg()
      .map((n) => n.toFixed(2))
      .join(" "),
  };
}

const FILE = fileURLToPath(new URL("../BENCHMARKS.md", import.meta.url));
const SECTIONS = [
  "Plan",
  "Steady state",
  "Slack acknowledgement",
  "GitHub webhook → StartBuild",
  "Bundle sizes",
];
const SKELETON = `# Benchmarks

Figures measured on this repository's machines; each section says how to reproduce it.
${SECTIONS.map((name) => `\n## ${name}\n\n_Not measured yet._\n`).join("")}`;

/** Replaces the body of each named "## " section, keeping every other section as it is. */
export async function updateBenchmarks(sections: Record<string, string>): Promise<void> {
  let text = await readFile(FILE, "utf8").catch(() => SKELETON);
  for (const [name, body] of Object.entries(sections)) {
    const heading = `## ${name}\n`;
    const start = text.indexOf(heading);
    if (start < 0) {
      text = `${text.trimEnd()}\n\n${heading}\n${body}\n`;
      continue;
    }
    const from = start + heading.length;
    const next = text.indexOf("\n## ", from);
    const end = next < 0 ? text.length : next + 1;
    text = `${text.slice(0, from)}\n${body}\n${next < 0 ? "" : "\n"}${text.slice(end)}`;
  }
  await writeFile(FILE, text);
}
