import type { Block, SlackMessage } from "./blocks.js";
import type { Digest } from "./digest.js";

/**
 * The digest for a terminal (`stagekeeper report`): the same messages Slack gets, drawn as plain text, so the
 * two can never disagree. Links become "label (url)", mentions "@U…", buttons "[Keep 7 days]".
 */
export function digestText(digest: Digest): string {
  const parts = [messageText(digest), ...digest.thread.map((m) => indent(messageText(m)))];
  return `${parts.join("\n\n")}\n`;
}

function messageText(message: SlackMessage): string {
  const lines = message.blocks.flatMap((b) => blockText(b));
  return lines.join("\n");
}

function blockText(b: Block): string[] {
  switch (b.type) {
    case "header": {
      const title = text(b.text);
      return [title, "=".repeat(Math.min(title.length, 80))];
    }
    case "divider":
      return ["-".repeat(40)];
    case "section": {
      const own = b.text ? [text(b.text)] : [];
      const fields = Array.isArray(b.fields) ? [fieldsText(b.fields.map((f) => text(f)))] : [];
      return [...own, ...fields];
    }
    case "context":
      return [(Array.isArray(b.elements) ? b.elements : []).map((e) => text(e)).join(" · ")];
    case "actions":
      return [
        `  ${(Array.isArray(b.elements) ? b.elements : []).map((e) => `[${text((e as Block).text)}]`).join(" ")}`,
      ];
    default:
      return [];
  }
}

/** Fields as "Name: value" pairs, two to a line. */
function fieldsText(fields: string[]): string {
  const pairs = fields.map((f) => f.replace("\n", ": "));
  const width = Math.max(...pairs.map((p) => p.length)) + 4;
  if (width > 50) return pairs.join("\n");
  const lines: string[] = [];
  for (let i = 0; i < pairs.length; i += 2)
    lines.push(
      pairs
        .slice(i, i + 2)
        .map((p) => p.padEnd(width))
        .join("")
        .trimEnd(),
    );
  return lines.join("\n");
}

function text(value: unknown): string {
  const object = (value ?? {}) as { type?: string; text?: string };
  const raw = object.text ?? "";
  return object.type === "mrkdwn" ? fromMrkdwn(raw) : raw;
}

/** Slack's mrkdwn to plain text: links, mentions and emoji codes kept readable, escapes undone last. */
export function fromMrkdwn(raw: string): string {
  return raw
    .replace(/<([^<>|]+)\|([^<>]+)>/g, (_all, url: string, label: string) =>
      url.startsWith("@") ? `@${label}` : `${label} (${url})`,
    )
    .replace(/<@([A-Z0-9]+)>/g, "@$1")
    .replace(/<(https?:[^<>]+)>/g, "$1")
    .replace(/:([a-z_]+):/g, (all, name: string) => EMOJI[name] ?? all)
    .replace(/(^|[\s(])\*([^*\n]+)\*/g, "$1$2")
    .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,])/g, "$1$2")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

const EMOJI: Record<string, string> = {
  test_tube: "[dry run]",
  octagonal_sign: "[!]",
  hourglass_flowing_sand: "[expiring]",
  wastebasket: "[remove]",
  white_check_mark: "[removed]",
  arrows_counterclockwise: "[removing]",
  rotating_light: "[!]",
  eyes: "[watch]",
  warning: "[!]",
  bar_chart: "[dashboard]",
  thread: "",
  lock: "[locked]",
  ghost: "[orphaned]",
  grey_question: "[?]",
  label: "[untagged]",
  no_entry: "[refused]",
  pause_button: "[due]",
};

function indent(block: string): string {
  return block
    .split("\n")
    .map((line) => `  │ ${line}`)
    .join("\n");
}
