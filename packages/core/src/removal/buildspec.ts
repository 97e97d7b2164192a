import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { REMOVE_COMMAND } from "./contract.js";

/** Where the buildspec lives in the repository. */
export const BUILDSPEC_PATH = "buildspec/remove.yml";

/**
 * Our removal buildspec's text, sent as StartBuild's buildspecOverride (never the app's own buildspec).
 *
 * Looked up, in order:
 * 1. `STAGEKEEPER_BUILDSPEC` (a path; relative ones from the working directory, or from LAMBDA_TASK_ROOT in a
 *    Lambda); when set, only that file. The worker Lambda sets it: SST bundles the handler, so the repository layout is gone there, and
 *    the function's `copyFiles` puts `buildspec/remove.yml` next to the bundled handler (the task root).
 * 2. The repository root, found from this module's own location (packages/core/src/removal → ../../../..):
 *    the CLI, the sandbox demo and the tests run from a checkout.
 * 3. `buildspec/remove.yml` next to the running bundle or under LAMBDA_TASK_ROOT, for a bundle without the
 *    variable.
 */
export async function loadBuildspec(): Promise<string> {
  const candidates: string[] = [];
  const fromEnv = process.env.STAGEKEEPER_BUILDSPEC;
  const taskRoot = process.env.LAMBDA_TASK_ROOT;
  if (fromEnv) {
    // Named explicitly: that file or nothing.
    candidates.push(isAbsolute(fromEnv) ? fromEnv : resolve(taskRoot ?? process.cwd(), fromEnv));
  } else {
    candidates.push(fileURLToPath(new URL(`../../../../${BUILDSPEC_PATH}`, import.meta.url)));
    candidates.push(fileURLToPath(new URL(`./${BUILDSPEC_PATH}`, import.meta.url)));
    if (taskRoot) candidates.push(resolve(taskRoot, BUILDSPEC_PATH));
  }
  const tried: string[] = [];
  for (const path of candidates) {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch {
      tried.push(path);
      continue;
    }
    if (!text.includes(REMOVE_COMMAND)) throw new Error(`${path} is not Stagekeeper's removal buildspec`);
    return text;
  }
  throw new Error(
    `the removal buildspec was not found (tried ${tried.join(", ")}); set STAGEKEEPER_BUILDSPEC`,
  );
}
