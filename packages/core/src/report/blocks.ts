/**
 * Block Kit within Slack's limits (WIRE.md §6.1): 50 blocks a message, 3000 characters a section, 150 a header,
 * 10 context elements, and about 12,000 characters of text over all blocks (`msg_blocks_too_long`, seen
 * between 11k and 13k: we stay well under). A `MessageBuilder` refuses what would not fit, so lists end in
 * "…and N more — see the dashboard" instead of an `invalid_blocks` error.
 */
export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  headerText: 150,
  contextElements: 10,
  buttonText: 75,
  /** Our own budget for the text of all blocks of one message, below Slack's undocumented ~12k. */
  blocksText: 10_000,
  /** The notification text: Slack recommends at most 4,000 characters. */
  messageText: 3_000,
} as const;

export type Block = Record<string, unknown>;

/** The closing note of a list that did not fit. */
export const MORE =
  (what = "") =>
  (hidden: number): string =>
    `_…and ${hidden.toLocaleString("en-US")} more${what ? ` ${what}` : ""} — see the dashboard_`;

export interface SlackMessage {
  /** The notification and fallback text. */
  text: string;
  blocks: Block[];
}

const mrkdwn = (text: string) => ({ type: "mrkdwn", text });
const plain = (text: string) => ({ type: "plain_text", text, emoji: true });
const bound = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export const block = {
  header: (text: string): Block => ({ type: "header", text: plain(bound(text, SLACK_LIMITS.headerText)) }),
  section: (text: string): Block => ({
    type: "section",
    text: mrkdwn(bound(text, SLACK_LIMITS.sectionText)),
  }),
  fields: (fields: string[]): Block => ({
    type: "section",
    fields: fields.slice(0, 10).map((f) => mrkdwn(bound(f, 2000))),
  }),
  context: (texts: string[]): Block => ({
    type: "context",
    elements: texts
      .slice(0, SLACK_LIMITS.contextElements)
      .map((t) => mrkdwn(bound(t, SLACK_LIMITS.sectionText))),
  }),
  divider: (): Block => ({ type: "divider" }),
  actions: (buttons: Block[]): Block => ({ type: "actions", elements: buttons.slice(0, 25) }),
  button: (text: string, actionId: string, value: string, style?: "primary" | "danger"): Block => ({
    type: "button",
    text: plain(bound(text, SLACK_LIMITS.buttonText)),
    action_id: actionId,
    value,
    ...(style ? { style } : {}),
  }),
};

/** Characters of text in a block, counted as Slack counts them: every text object's `text`. */
export function textLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + textLength(v), 0);
  if (typeof value !== "object" || value === null) return 0;
  const object = value as Record<string, unknown>;
  let own = 0;
  if ((object.type === "mrkdwn" || object.type === "plain_text") && typeof object.text === "string")
    own = object.text.length;
  return (
    own +
    Object.values(object).reduce((sum: number, v) => sum + (typeof v === "object" ? textLength(v) : 0), 0)
  );
}

export class MessageBuilder {
  readonly blocks: Block[] = [];
  private chars = 0;

  /** `reserve`: blocks and characters kept back for what must come last (the dashboard link, a footer). */
  constructor(private readonly reserve = { blocks: 2, chars: 600 }) {}

  fits(blocks: Block[], useReserve = false): boolean {
    const maxBlocks = SLACK_LIMITS.blocks - (useReserve ? 0 : this.reserve.blocks);
    const maxChars = SLACK_LIMITS.blocksText - (useReserve ? 0 : this.reserve.chars);
    return this.blocks.length + blocks.length <= maxBlocks && this.chars + textLength(blocks) <= maxChars;
  }

  /** Adds the blocks if they all fit; false (and nothing added) when they do not. */
  add(...blocks: Block[]): boolean {
    return this.push(blocks, false);
  }

  /** Adds from the reserve: for what must always be there. */
  addLast(...blocks: Block[]): boolean {
    return this.push(blocks, true);
  }

  private push(blocks: Block[], useReserve: boolean): boolean {
    if (!this.fits(blocks, useReserve)) return false;
    this.blocks.push(...blocks);
    this.chars += textLength(blocks);
    return true;
  }

  /**
   * Items of several blocks each (a stage and its buttons), as many as fit with room left for the closing
   * "…and N more" note. Answers how many were shown.
   */
  items(items: readonly Block[][], more: (hidden: number) => string): number {
    const note = block.context([more(items.length)]);
    let shown = 0;
    for (const item of items) {
      if (!this.fits([...item, note])) break;
      this.add(...item);
      shown++;
    }
    if (shown < items.length) this.add(block.context([more(items.length - shown)])) || this.addLast(note);
    return shown;
  }

  /**
   * A titled list in as few sections as it needs (each under 3000 characters), with room kept for the closing
   * "…and N more" note when not every line fits. Answers how many lines were shown.
   */
  list(title: string, lines: readonly string[], more: (hidden: number) => string): number {
    const limit = SLACK_LIMITS.sectionText - 100;
    const note = block.context([more(lines.length)]);
    const room = (text: string) => text.length <= limit && this.fits([block.section(text), note]);
    let current = title;
    let pending = 0;
    let shown = 0;
    for (const line of lines) {
      const joined = current ? `${current}\n${line}` : line;
      if (room(joined)) {
        current = joined;
        pending++;
        continue;
      }
      // The section is full: close it (it fitted a moment ago) and start the next with this line.
      if (!current || !this.add(block.section(current))) break;
      shown += pending;
      current = "";
      pending = 0;
      if (!room(line)) break;
      current = line;
      pending = 1;
    }
    if (current && this.add(block.section(current))) shown += pending;
    const hidden = lines.length - shown;
    if (hidden > 0) this.add(block.context([more(hidden)])) || this.addLast(note);
    return shown;
  }

  message(text: string): SlackMessage {
    return { text: bound(text, SLACK_LIMITS.messageText), blocks: this.blocks };
  }
}
