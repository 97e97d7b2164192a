import { escapeXml as esc } from "../../http.js";
import { compareTs, type Message, tsToDate, type Workspace } from "./workspace.js";

type Json = Record<string, unknown>;

/**
 * A self-contained HTML view of the workspace's channels: messages in order, threads under their parents,
 * ephemeral messages marked with who sees them, and blocks drawn simply. Every piece of message content is
 * escaped; links are kept only for http(s) and mailto URLs.
 */
export function renderWorkspace(workspace: Workspace): string {
  const view = new View(workspace);
  const channels = [...workspace.channels.values()];
  const sections = channels.map((channel) => {
    const all = workspace.messages.filter((m) => m.channel === channel.id && !m.deleted);
    const known = new Set(all.map((m) => m.ts));
    const top = all
      .filter((m) => !m.thread_ts || m.thread_ts === m.ts || !known.has(m.thread_ts))
      .sort((a, b) => compareTs(a.ts, b.ts));
    const body = top.length
      ? top.map((m) => view.message(m, all)).join("\n")
      : `<p class="none">No messages.</p>`;
    const archived = channel.archived ? ` <span class="tag">archived</span>` : "";
    return `<section id="${esc(channel.id)}"><h2>#${esc(channel.name)}${archived} <small>${esc(channel.id)}</small></h2>\n${body}</section>`;
  });
  const nav = channels
    .map((c) => {
      const count = workspace.messages.filter((m) => m.channel === c.id && !m.deleted).length;
      return `<a href="#${esc(c.id)}">#${esc(c.name)} (${count})</a>`;
    })
    .join(" ");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sandbox Slack · ${esc(workspace.team)}</title>
<style>${STYLE}</style></head>
<body><h1>Sandbox Slack workspace <small>${esc(workspace.team)}</small></h1>
<p class="meta">As of ${esc(workspace.clock.now().toISOString())} (sandbox clock) · ${nav}</p>
${sections.join("\n")}
</body></html>
`;
}

class View {
  constructor(private readonly workspace: Workspace) {}

  message(message: Message, all: Message[]): string {
    const replies = all
      .filter((m) => m.thread_ts === message.ts && m.ts !== message.ts)
      .sort((a, b) => compareTs(a.ts, b.ts));
    const author = this.workspace.botByUser(message.user)?.name ?? this.name(message.user);
    const badges = [
      message.bot_id ? `<span class="tag">APP</span>` : "",
      message.edited ? `<span class="note">(edited ${message.edits.length}×)</span>` : "",
      message.ephemeralTo
        ? `<span class="eph">Only visible to @${esc(this.name(message.ephemeralTo))}</span>`
        : "",
      message.thread_ts && message.thread_ts !== message.ts && !all.some((m) => m.ts === message.thread_ts)
        ? `<span class="note">reply to unknown thread ${esc(message.thread_ts)}</span>`
        : "",
      message.replyBroadcast ? `<span class="note">also sent to the channel</span>` : "",
    ].join(" ");
    const content = message.blocks?.length
      ? `<div class="blocks">${message.blocks.map((b) => this.block(b)).join("")}</div>`
      : `<div class="text">${this.mrkdwn(message.text)}</div>`;
    const thread = replies.length
      ? `<div class="thread"><div class="note">${replies.length} ${replies.length === 1 ? "reply" : "replies"}</div>${replies.map((r) => this.message(r, all)).join("")}</div>`
      : "";
    const time = tsToDate(message.ts)
      .toISOString()
      .replace("T", " ")
      .replace(/\.\d+Z$/, " UTC");
    return `<article class="msg${message.ephemeralTo ? " ephemeral" : ""}" id="p${esc(message.ts.replace(".", ""))}">
<header><b>${esc(author)}</b> ${badges} <time title="ts ${esc(message.ts)}">${esc(time)}</time></header>
${content}${thread}</article>`;
  }

  private block(value: unknown): string {
    const block = (value ?? {}) as Json;
    switch (block.type) {
      case "header":
        return `<div class="header">${this.textObject(block.text)}</div>`;
      case "divider":
        return "<hr>";
      case "section": {
        const text = block.text ? `<div>${this.textObject(block.text)}</div>` : "";
        const fields = Array.isArray(block.fields)
          ? `<div class="fields">${block.fields.map((f) => `<div>${this.textObject(f)}</div>`).join("")}</div>`
          : "";
        const accessory = block.accessory
          ? `<div class="accessory">${this.element(block.accessory)}</div>`
          : "";
        return `<div class="section"><div class="main">${text}${fields}</div>${accessory}</div>`;
      }
      case "context": {
        const elements = Array.isArray(block.elements) ? block.elements : [];
        return `<div class="context">${elements.map((e) => this.element(e)).join(" · ")}</div>`;
      }
      case "actions": {
        const elements = Array.isArray(block.elements) ? block.elements : [];
        return `<div class="actions">${elements.map((e) => this.element(e)).join("")}</div>`;
      }
      case "image":
        return `<div class="image">${this.element(block)}</div>`;
      case "markdown":
        return `<div class="markdown">${this.markdown(String(block.text ?? ""))}</div>`;
      case "rich_text":
        return `<div class="text">${esc(richText(block.elements)).replace(/\n/g, "<br>")}</div>`;
      default:
        return `<pre>${esc(JSON.stringify(block, null, 2))}</pre>`;
    }
  }

  private element(value: unknown): string {
    const element = (value ?? {}) as Json;
    if (element.type === "plain_text" || element.type === "mrkdwn") return this.textObject(element);
    if (element.type === "image") {
      const alt = esc(String(element.alt_text ?? "image"));
      const url = safeUrl(String(element.image_url ?? ""));
      return url
        ? `<a class="img" href="${esc(url)}">[image: ${alt}]</a>`
        : `<span class="img">[image: ${alt}]</span>`;
    }
    if (element.type === "button") {
      const style = element.style === "primary" || element.style === "danger" ? ` ${element.style}` : "";
      const title = `action_id: ${String(element.action_id ?? "")}${element.value !== undefined ? `\nvalue: ${String(element.value)}` : ""}`;
      const url = safeUrl(String(element.url ?? ""));
      const label = this.textObject(element.text);
      return url
        ? `<a class="button${style}" href="${esc(url)}" title="${esc(title)}">${label}</a>`
        : `<span class="button${style}" title="${esc(title)}">${label}</span>`;
    }
    return `<span class="button other" title="${esc(String(element.action_id ?? ""))}">${esc(String(element.type ?? "element"))}</span>`;
  }

  private textObject(value: unknown): string {
    const text = (value ?? {}) as Json;
    const content = String(text.text ?? "");
    return text.type === "mrkdwn" ? this.mrkdwn(content) : esc(content).replace(/\n/g, "<br>");
  }

  /** Slack's mrkdwn: <url|label>, <@U…>, <#C…|name>, <!here>, *bold*, _italic_, ~strike~, `code`. */
  mrkdwn(text: string): string {
    let html = "";
    let last = 0;
    for (const match of text.matchAll(/<([^<>\n]+)>/g)) {
      html += inline(text.slice(last, match.index));
      html += this.token(match[1] ?? "", match[0]);
      last = match.index + match[0].length;
    }
    return (html + inline(text.slice(last))).replace(/\n/g, "<br>");
  }

  private token(inner: string, whole: string): string {
    const [target = "", label] = inner.split("|", 2);
    if (target.startsWith("@"))
      return `<span class="mention">@${esc(label ?? this.name(target.slice(1)))}</span>`;
    if (target.startsWith("#")) {
      const channel = this.workspace.channels.get(target.slice(1));
      return `<span class="mention">#${esc(label ?? channel?.name ?? target.slice(1))}</span>`;
    }
    if (target.startsWith("!")) {
      const word = target.slice(1).split("^")[0] ?? "";
      return `<span class="mention">${esc(label ?? `@${word}`)}</span>`;
    }
    const url = safeUrl(unescapeSlack(target));
    if (url) return `<a href="${esc(url)}">${esc(unescapeSlack(label ?? target))}</a>`;
    return esc(unescapeSlack(whole));
  }

  private markdown(text: string): string {
    return esc(text)
      .replace(/\*\*([^*\n]+)\*\*/g, "<b>$1</b>")
      .replace(/`([^`\n]+)`/g, "<code>$1</code>")
      .replace(/\n/g, "<br>");
  }

  private name(userId: string): string {
    return this.workspace.users.get(userId)?.name ?? this.workspace.botByUser(userId)?.name ?? userId;
  }
}

/** Escapes, then draws the mrkdwn styles; the markers themselves cannot form markup once escaped. */
function inline(text: string): string {
  return esc(unescapeSlack(text))
    .replace(/`([^`\n]+)`/g, "<code>$1</code>")
    .replace(/(^|[\s(])\*([^*\n]+)\*/g, "$1<b>$2</b>")
    .replace(/(^|[\s(])_([^_\n]+)_/g, "$1<i>$2</i>")
    .replace(/(^|[\s(])~([^~\n]+)~/g, "$1<s>$2</s>");
}

/** Slack message text escapes &, < and > itself. */
function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function safeUrl(url: string): string | undefined {
  return /^(https?:|mailto:)/i.test(url) ? url : undefined;
}

function richText(value: unknown): string {
  if (Array.isArray(value)) return value.map(richText).join("");
  if (typeof value !== "object" || value === null) return "";
  const node = value as Json;
  return (typeof node.text === "string" ? node.text : "") + richText(node.elements);
}

const STYLE = `
body{font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:24px auto;max-width:920px;color:#1d1c1d}
h1{font-size:20px}h2{font-size:17px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:32px}
small,.meta,.note,time{color:#616061;font-weight:normal;font-size:12px}
.meta a{margin-right:8px}
.msg{padding:8px 10px;border-radius:6px;margin:6px 0}.msg:hover{background:#f8f8f8}
.msg header{margin-bottom:2px}.msg.ephemeral{background:#f4f9ff;border-left:3px solid #1264a3}
.tag{background:#e8e8e8;border-radius:3px;padding:0 4px;font-size:10px;font-weight:bold;color:#616061}
.eph{color:#1264a3;font-size:12px}
.thread{margin-left:18px;border-left:2px solid #e0e0e0;padding-left:10px}
.header{font-weight:bold;font-size:16px;margin:6px 0}
.section{display:flex;gap:12px;margin:4px 0}.section .main{flex:1}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:4px 16px;margin-top:4px}
.context{color:#616061;font-size:12px;margin:4px 0}
.actions{margin:6px 0;display:flex;flex-wrap:wrap;gap:6px}
.button{display:inline-block;border:1px solid #bbb;border-radius:4px;padding:3px 10px;font-weight:bold;font-size:13px;color:#1d1c1d;text-decoration:none;background:#fff}
.button.primary{background:#007a5a;border-color:#007a5a;color:#fff}.button.danger{background:#e01e5a;border-color:#e01e5a;color:#fff}
.button.other{font-weight:normal;color:#616061}
.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}
code{background:#f6f6f6;border:1px solid #e0e0e0;border-radius:3px;padding:0 3px;color:#c01343}
hr{border:0;border-top:1px solid #ddd}pre{background:#f6f6f6;padding:6px;overflow:auto}.none{color:#888}
`;
