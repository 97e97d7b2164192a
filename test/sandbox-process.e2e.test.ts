import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../packages/cli/bin/stagekeeper.js", import.meta.url));
const TIMEOUT = 60_000;

/** `stagekeeper sandbox --json`, once it has printed its URL. */
async function sandboxProcess(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, "sandbox", "--json"], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout as NonNullable<ChildProcess["stdout"]> });
  const first = await new Promise<string>((resolve) => lines.once("line", resolve));
  return { child, url: (JSON.parse(first) as { url: string }).url };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

describe("stagekeeper sandbox --json", () => {
  it("stops on SIGTERM while its stdin is still open", { timeout: TIMEOUT }, async () => {
    const { child, url } = await sandboxProcess();
    expect((await fetch(`${url}/_sandbox/health`)).ok).toBe(true);
    const exit = exited(child);
    child.kill("SIGTERM");
    expect(await exit).toBe(0);
    await expect(fetch(`${url}/_sandbox/health`)).rejects.toThrow();
  });

  it("stops when the parent closes its stdin", { timeout: TIMEOUT }, async () => {
    const { child } = await sandboxProcess();
    const exit = exited(child);
    child.stdin?.end();
    expect(await exit).toBe(0);
  });
});
