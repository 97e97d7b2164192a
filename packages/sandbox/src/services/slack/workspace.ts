import type { Clock } from "../../clock.js";
import type { Seed } from "../../seed/schema.js";

export interface Channel {
  id: string;
  name: string;
  archived: boolean;
}

export interface User {
  id: string;
  name: string;
}

/** The app behind one token: each seed token is its own bot, so a bot cannot edit another's messages. */
export interface Bot {
  token: string;
  botId: string;
  userId: string;
  appId: string;
  name: string;
}

/** A superseded version of a message. */
export interface Edit {
  /** When this version was replaced, as a Slack ts from the sandbox clock. */
  replacedAt: string;
  text: string;
  blocks?: unknown[];
}

export interface Message {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  /** The poster: a bot's user id or a workspace user. */
  user: string;
  bot_id?: string;
  app_id?: string;
  /** Visible to this user only (chat.postEphemeral, ephemeral response_url replies). */
  ephemeralTo?: string;
  replyBroadcast?: boolean;
  /** Earlier versions, oldest first; the message's own text and blocks are the current ones. */
  edits: Edit[];
  /** As Slack shows it: who edited the message last, and when. */
  edited?: { user: string; ts: string };
  deleted?: boolean;
  via: "api" | "response_url" | "sandbox";
}

/** The Slack workspace of one sandbox: channels, users, bots and every message, keyed by (channel, ts). */
export class Workspace {
  readonly team: string;
  readonly domain = "sandbox";
  readonly channels = new Map<string, Channel>();
  readonly users = new Map<string, User>();
  readonly bots = new Map<string, Bot>();
  /** In posting order. */
  readonly messages: Message[] = [];
  private readonly byKey = new Map<string, Message>();
  private readonly usedTs = new Set<string>();

  constructor(
    seed: Seed["slack"],
    readonly clock: Clock,
  ) {
    this.team = seed.team;
    for (const channel of seed.channels) this.channels.set(channel.id, { ...channel });
    for (const user of seed.users) this.users.set(user.id, { ...user });
    seed.tokens.forEach((token, i) => {
      const n = i + 1;
      this.bots.set(token, {
        token,
        botId: `B0SANDBOX${n}`,
        userId: `U0SANDBOX${n}`,
        appId: `A0SANDBOX${n}`,
        name: n === 1 ? "stagekeeper" : `stagekeeper-${n}`,
      });
    });
  }

  /** By id, "#name" or "name", as chat.postMessage accepts. */
  channel(ref: string | undefined): Channel | undefined {
    if (!ref) return undefined;
    const byId = this.channels.get(ref);
    if (byId) return byId;
    const name = ref.replace(/^#/, "");
    return [...this.channels.values()].find((c) => c.name === name);
  }

  botByUser(userId: string): Bot | undefined {
    return [...this.bots.values()].find((bot) => bot.userId === userId);
  }

  /**
   * A message timestamp from the sandbox clock ("1763629200.000100"): microseconds since the epoch, bumped
   * until unique, so messages posted within the same millisecond still get distinct, increasing ts.
   */
  nextTs(): string {
    let micros = this.clock.now().getTime() * 1000;
    while (this.usedTs.has(formatTs(micros))) micros += 1;
    const ts = formatTs(micros);
    this.usedTs.add(ts);
    return ts;
  }

  add(message: Omit<Message, "ts" | "edits">): Message {
    const stored: Message = { ...message, ts: this.nextTs(), edits: [] };
    this.messages.push(stored);
    this.byKey.set(`${stored.channel}/${stored.ts}`, stored);
    return stored;
  }

  find(channel: string, ts: string | undefined): Message | undefined {
    const message = ts ? this.byKey.get(`${channel}/${ts}`) : undefined;
    return message?.deleted ? undefined : message;
  }

  /** The thread a reply joins: a reply to a reply joins its parent's thread, and the parent becomes a thread. */
  threadFor(channel: string, ts: string | undefined): string | undefined {
    if (!ts) return undefined;
    const parent = this.find(channel, ts);
    if (!parent) return ts;
    if (parent.thread_ts && parent.thread_ts !== parent.ts) return parent.thread_ts;
    parent.thread_ts = parent.ts;
    return parent.ts;
  }

  edit(message: Message, by: string, change: { text: string; blocks?: unknown[] }): void {
    const at = formatTs(this.clock.now().getTime() * 1000);
    message.edits.push({
      replacedAt: at,
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks } : {}),
    });
    message.edited = { user: by, ts: at };
    message.text = change.text;
    if (change.blocks) message.blocks = change.blocks;
    else delete message.blocks;
  }

  /** What conversations.history shows: the channel's top-level messages and broadcast replies, oldest first. */
  history(channel: string): Message[] {
    return this.visible(channel).filter(
      (m) => m.thread_ts === undefined || m.thread_ts === m.ts || m.replyBroadcast,
    );
  }

  /** A thread: its parent, then the replies, oldest first. */
  thread(channel: string, ts: string): Message[] {
    return this.visible(channel).filter((m) => m.ts === ts || m.thread_ts === ts);
  }

  replies(parent: Message): Message[] {
    return this.visible(parent.channel).filter((m) => m.thread_ts === parent.ts && m.ts !== parent.ts);
  }

  private visible(channel: string): Message[] {
    return this.messages
      .filter((m) => m.channel === channel && !m.deleted && m.ephemeralTo === undefined)
      .sort((a, b) => compareTs(a.ts, b.ts));
  }
}

export function formatTs(micros: number): string {
  return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, "0")}`;
}

export function tsToDate(ts: string): Date {
  return new Date(Math.floor(Number(ts) * 1000));
}

export function compareTs(a: string, b: string): number {
  const [as = "0", af = "0"] = a.split(".");
  const [bs = "0", bf = "0"] = b.split(".");
  return Number(as) - Number(bs) || Number(af.padEnd(6, "0")) - Number(bf.padEnd(6, "0"));
}

/**
 * chat.postMessage's "special" tier: about one message per second per channel with short bursts (WIRE.md §6.1),
 * as a token bucket per channel refilled in real time, so a burst of retries cannot outrun it by moving the clock.
 */
export class ChannelRateLimit {
  perSecond = 1;
  burst = 5;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  configure(perSecond: number, burst: number): void {
    this.perSecond = perSecond;
    this.burst = burst;
    this.buckets.clear();
  }

  /** Takes a token for the channel; answers how many seconds to wait when there is none (0: go ahead). */
  take(channel: string, now = Date.now()): number {
    if (this.perSecond <= 0) return 0;
    const bucket = this.buckets.get(channel) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.buckets.set(channel, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond));
  }
}
