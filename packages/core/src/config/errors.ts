import type { z } from "zod";

export interface ConfigProblem {
  /** Where in the document, as a person would write it: `kinds[2].match`, `owners.alice`. */
  path: string;
  message: string;
}

/** A config that cannot be used; the message lists every bad field and how to fix it. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly problems: ConfigProblem[],
    readonly source = "config",
  ) {
    super(`${source} is not valid:\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join("\n")}`);
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

export function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else if (typeof part === "string" && IDENTIFIER.test(part)) text += text ? `.${part}` : part;
    else text += `[${JSON.stringify(String(part))}]`;
  }
  return text || "(document)";
}

/** One problem per bad field; an unknown key is named itself, so a typo is found at a glance. */
export function problemsFrom(issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  return issues.flatMap((issue): ConfigProblem[] => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        message: "is not a known setting; remove it or check its spelling (see docs/config.md)",
      }));
    }
    if (issue.code === "invalid_key") {
      const key = issue.path.at(-1);
      return [
        {
          path: formatPath(issue.path),
          message: `key ${JSON.stringify(key)} ${issue.issues[0]?.message ?? "is not allowed"}`,
        },
      ];
    }
    return [{ path: formatPath(issue.path), message: issue.message }];
  });
}
