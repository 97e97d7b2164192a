/**
 * Block Kit validation for messages (WIRE.md §6.1): the limits Slack enforces, answered in Slack's own shape,
 * `invalid_blocks` with `errors` such as "must be less than 3001 characters [json-pointer:/blocks/0/text/text]".
 *
 * The wording of "must be less than N characters", "must be more than 0 characters", "no more than 50 items
 * allowed", "missing required field: X", "must provide an object", "invalid additional property: X",
 * "unsupported type: X", "failed to match all allowed schemas", "must define either `text` or `fields`" and
 * "`action_id` \"x\" already exists" was seen in real Slack answers; the other messages (enums, arrays,
 * duplicate block_id, minimum item counts) follow the same pattern but are not verified.
 */
export const LIMITS = {
  /** Modals and Home tabs allow 100; messages 50. */
  blocks: 50,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  accessibilityLabel: 75,
  actionId: 255,
  blockId: 255,
  imageUrl: 3000,
  imageAltText: 2000,
  imageTitle: 2000,
  markdownText: 12_000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  /**
   * Text across all blocks of one message (`msg_blocks_too_long`). Slack documents no such limit; rejections
   * are reported between 11k and 13k characters, so this is an approximation.
   */
  messageBlocksText: 12_000,
  /** The message's own `text` (`msg_too_long`). */
  messageText: 40_000,
  attachments: 100,
} as const;

export const BLOCK_TYPES = [
  "section",
  "header",
  "divider",
  "context",
  "actions",
  "image",
  "markdown",
  "rich_text",
];

/** Interactive elements, validated for their action_id only (except buttons, validated in full). */
const INTERACTIVE = new Set([
  "button",
  "checkboxes",
  "datepicker",
  "datetimepicker",
  "timepicker",
  "overflow",
  "radio_buttons",
  "static_select",
  "external_select",
  "users_select",
  "conversations_select",
  "channels_select",
  "multi_static_select",
  "multi_external_select",
  "multi_users_select",
  "multi_conversations_select",
  "multi_channels_select",
  "workflow_button",
]);

const ALLOWED_KEYS: Record<string, string[]> = {
  section: ["type", "block_id", "text", "fields", "accessory", "expand"],
  header: ["type", "block_id", "text"],
  divider: ["type", "block_id"],
  context: ["type", "block_id", "elements"],
  actions: ["type", "block_id", "elements"],
  image: ["type", "block_id", "image_url", "slack_file", "alt_text", "title"],
  markdown: ["type", "block_id", "text"],
  rich_text: ["type", "block_id", "elements"],
  text: ["type", "text", "emoji", "verbatim"],
  button: ["type", "text", "action_id", "url", "value", "style", "confirm", "accessibility_label"],
  imageElement: ["type", "image_url", "slack_file", "alt_text"],
  confirm: ["title", "text", "confirm", "deny", "style"],
};

export type BlocksVerdict =
  | { ok: true; blocks: unknown[] }
  | { ok: false; error: "invalid_blocks_format" | "msg_blocks_too_long" }
  | { ok: false; error: "invalid_blocks"; errors: string[] };

/** Checks a message's `blocks` argument: a JSON string (form bodies) or an array (JSON bodies). */
export function checkBlocks(raw: unknown): BlocksVerdict {
  let blocks = raw;
  if (typeof raw === "string") {
    try {
      blocks = JSON.parse(raw);
    } catch {
      return { ok: false, error: "invalid_blocks_format" };
    }
  }
  if (!Array.isArray(blocks)) return { ok: false, error: "invalid_blocks_format" };
  const check = new Check();
  if (blocks.length > LIMITS.blocks) check.fail("/blocks", `no more than ${LIMITS.blocks} items allowed`);
  else for (const [i, block] of blocks.entries()) check.block(block, `/blocks/${i}`);
  if (check.errors.length > 0) return { ok: false, error: "invalid_blocks", errors: check.errors };
  if (check.textLength > LIMITS.messageBlocksText) return { ok: false, error: "msg_blocks_too_long" };
  return { ok: true, blocks };
}

type Json = Record<string, unknown>;

interface TextRule {
  max: number;
  /** Omitted: plain_text or mrkdwn. */
  only?: "plain_text";
  /** Slack reports a failed union (plain_text | mrkdwn) once more at the text object itself. */
  union?: boolean;
}

class Check {
  readonly errors: string[] = [];
  textLength = 0;
  private readonly blockIds = new Set<string>();
  /** action_id must be unique in its containing block (docs: "among all other action_ids in the containing block"). */
  private actionIds = new Set<string>();

  fail(pointer: string, message: string): void {
    this.errors.push(`${message} [json-pointer:${pointer}]`);
  }

  block(value: unknown, at: string): void {
    const block = this.object(value, at);
    if (!block) return;
    const type = block.type;
    if (type === undefined) {
      this.fail(at, "missing required field: type");
      return;
    }
    if (typeof type !== "string" || !BLOCK_TYPES.includes(type)) {
      this.fail(`${at}/type`, `unsupported type: ${String(type)}`);
      return;
    }
    this.keys(block, ALLOWED_KEYS[type] ?? [], at);
    const blockId = this.string(block, "block_id", at, { max: LIMITS.blockId, required: false });
    if (blockId !== undefined) {
      if (this.blockIds.has(blockId)) this.fail(`${at}/block_id`, `\`block_id\` "${blockId}" already exists`);
      this.blockIds.add(blockId);
    }
    this.actionIds = new Set();
    switch (type) {
      case "section":
        this.section(block, at);
        break;
      case "header":
        if (this.required(block, "text", at)) {
          this.text(block.text, `${at}/text`, { max: LIMITS.headerText, only: "plain_text" });
        }
        break;
      case "context":
        this.list(block, "elements", at, LIMITS.contextElements, (element, where) =>
          isObject(element) && element.type === "image"
            ? this.imageElement(element, where)
            : this.text(element, where, { max: LIMITS.contextText, union: true }),
        );
        break;
      case "actions":
        this.list(block, "elements", at, LIMITS.actionsElements, (element, where) =>
          this.element(element, where, false),
        );
        break;
      case "image":
        this.image(block, at, true);
        break;
      case "markdown":
        this.textLength +=
          this.string(block, "text", at, { max: LIMITS.markdownText, required: true })?.length ?? 0;
        break;
      case "rich_text":
        if (this.required(block, "elements", at) && !Array.isArray(block.elements)) {
          this.fail(`${at}/elements`, "must provide an array");
        }
        this.textLength += richTextLength(block.elements);
        break;
    }
  }

  private section(block: Json, at: string): void {
    if (block.text === undefined && block.fields === undefined) {
      this.fail(`${at}/type`, "must define either `text` or `fields`");
      return;
    }
    if (block.text !== undefined)
      this.text(block.text, `${at}/text`, { max: LIMITS.sectionText, union: true });
    if (block.fields !== undefined) {
      this.list(block, "fields", at, LIMITS.sectionFields, (field, where) =>
        this.text(field, where, { max: LIMITS.sectionFieldText }),
      );
    }
    if (block.accessory !== undefined) this.element(block.accessory, `${at}/accessory`, true);
  }

  private element(value: unknown, at: string, accessory: boolean): void {
    const element = this.object(value, at);
    if (!element) return;
    const type = element.type;
    if (type === undefined) {
      this.fail(at, "missing required field: type");
      return;
    }
    if (accessory && type === "image") {
      this.imageElement(element, at);
      return;
    }
    if (typeof type !== "string" || !INTERACTIVE.has(type)) {
      this.fail(`${at}/type`, `unsupported type: ${String(type)}`);
      return;
    }
    const actionId = this.string(element, "action_id", at, { max: LIMITS.actionId, required: false });
    if (actionId !== undefined) {
      if (this.actionIds.has(actionId))
        this.fail(`${at}/action_id`, `\`action_id\` "${actionId}" already exists`);
      this.actionIds.add(actionId);
    }
    if (type === "button") this.button(element, at);
  }

  private button(button: Json, at: string): void {
    this.keys(button, ALLOWED_KEYS.button ?? [], at);
    if (this.required(button, "text", at)) {
      this.text(button.text, `${at}/text`, { max: LIMITS.buttonText, only: "plain_text" });
    }
    this.string(button, "value", at, { max: LIMITS.buttonValue, required: false });
    this.string(button, "url", at, { max: LIMITS.buttonUrl, required: false });
    this.string(button, "accessibility_label", at, { max: LIMITS.accessibilityLabel, required: false });
    const style = button.style;
    if (style !== undefined && style !== "primary" && style !== "danger") {
      this.fail(`${at}/style`, "must be a valid enum value");
    }
    if (button.confirm !== undefined) this.confirm(button.confirm, `${at}/confirm`);
  }

  private confirm(value: unknown, at: string): void {
    const confirm = this.object(value, at);
    if (!confirm) return;
    this.keys(confirm, ALLOWED_KEYS.confirm ?? [], at);
    const parts: [string, number, boolean][] = [
      ["title", LIMITS.confirmTitle, true],
      ["text", LIMITS.confirmText, false],
      ["confirm", LIMITS.confirmButton, true],
      ["deny", LIMITS.confirmButton, true],
    ];
    for (const [key, max, plain] of parts) {
      if (this.required(confirm, key, at)) {
        this.text(confirm[key], `${at}/${key}`, plain ? { max, only: "plain_text" } : { max });
      }
    }
  }

  private image(block: Json, at: string, withTitle: boolean): void {
    if (block.image_url === undefined && block.slack_file === undefined) {
      this.fail(at, "must provide either `image_url` or `slack_file`");
    }
    this.string(block, "image_url", at, { max: LIMITS.imageUrl, required: false });
    this.string(block, "alt_text", at, { max: LIMITS.imageAltText, required: true });
    if (withTitle && block.title !== undefined) {
      this.text(block.title, `${at}/title`, { max: LIMITS.imageTitle, only: "plain_text" });
    }
  }

  private imageElement(element: Json, at: string): void {
    this.keys(element, ALLOWED_KEYS.imageElement ?? [], at);
    this.image(element, at, false);
  }

  /** A text composition object: {type: plain_text|mrkdwn, text, emoji?, verbatim?}. */
  private text(value: unknown, at: string, rule: TextRule): void {
    const before = this.errors.length;
    const text = this.object(value, at);
    if (text) {
      this.keys(text, ALLOWED_KEYS.text ?? [], at);
      const type = text.type;
      if (type === undefined) this.fail(at, "missing required field: type");
      else if (type !== "plain_text" && type !== "mrkdwn")
        this.fail(`${at}/type`, `unsupported type: ${String(type)}`);
      else if (rule.only && type !== rule.only) this.fail(`${at}/type`, "must be a valid enum value");
      const content = this.string(text, "text", at, { max: rule.max, required: true });
      this.textLength += content?.length ?? 0;
    }
    if (rule.union && this.errors.length > before) {
      this.errors.splice(before, 0, `failed to match all allowed schemas [json-pointer:${at}]`);
    }
  }

  private list(
    owner: Json,
    key: string,
    at: string,
    max: number,
    each: (item: unknown, at: string) => void,
  ): void {
    if (!this.required(owner, key, at)) return;
    const items = owner[key];
    if (!Array.isArray(items)) {
      this.fail(`${at}/${key}`, "must provide an array");
      return;
    }
    if (items.length === 0) {
      this.fail(`${at}/${key}`, "must provide at least 1 items");
      return;
    }
    if (items.length > max) {
      this.fail(`${at}/${key}`, `no more than ${max} items allowed`);
      return;
    }
    for (const [i, item] of items.entries()) each(item, `${at}/${key}/${i}`);
  }

  private string(
    owner: Json,
    key: string,
    at: string,
    rule: { max: number; required: boolean },
  ): string | undefined {
    const value = owner[key];
    if (value === undefined) {
      if (rule.required) this.fail(at, `missing required field: ${key}`);
      return undefined;
    }
    if (typeof value !== "string") {
      this.fail(`${at}/${key}`, "must provide a string");
      return undefined;
    }
    if (value.length === 0) this.fail(`${at}/${key}`, "must be more than 0 characters");
    else if (value.length > rule.max)
      this.fail(`${at}/${key}`, `must be less than ${rule.max + 1} characters`);
    return value;
  }

  private required(owner: Json, key: string, at: string): boolean {
    if (owner[key] !== undefined) return true;
    this.fail(at, `missing required field: ${key}`);
    return false;
  }

  private object(value: unknown, at: string): Json | undefined {
    if (isObject(value)) return value;
    this.fail(at, "must provide an object");
    return undefined;
  }

  private keys(owner: Json, allowed: string[], at: string): void {
    for (const key of Object.keys(owner)) {
      if (!allowed.includes(key)) this.fail(at, `invalid additional property: ${key}`);
    }
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Rich text nests elements arbitrarily deep; every `text` string counts. */
function richTextLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + richTextLength(item), 0);
  if (!isObject(value)) return 0;
  const own = typeof value.text === "string" ? value.text.length : 0;
  return own + richTextLength(value.elements);
}
