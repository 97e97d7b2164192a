import { createHash, randomBytes } from "node:crypto";

export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

export interface Message {
  id: string;
  body: string;
  md5OfBody: string;
  attributes: Record<string, MessageAttributeValue>;
  md5OfAttributes?: string;
  sentAt: Date;
  senderId: string;
  /** Sandbox-clock ms from which the message can be received (delay, then visibility timeouts). */
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: Date;
  /** The nonce of the latest receive: only its receipt handle deletes the message. */
  receipt?: string;
  groupId?: string;
  deduplicationId?: string;
}

export const DEFAULT_ATTRIBUTES: Record<string, string> = {
  VisibilityTimeout: "30",
  MaximumMessageSize: "262144",
  MessageRetentionPeriod: "345600",
  DelaySeconds: "0",
  ReceiveMessageWaitTimeSeconds: "0",
};

export class Queue {
  readonly messages: Message[] = [];
  readonly arn: string;
  modifiedAt: Date;

  constructor(
    readonly name: string,
    readonly account: string,
    readonly region: string,
    readonly url: string,
    readonly attributes: Record<string, string>,
    readonly createdAt: Date,
  ) {
    this.arn = `arn:aws:sqs:${region}:${account}:${name}`;
    this.modifiedAt = createdAt;
  }

  get visibilityTimeout(): number {
    return Number(this.attributes.VisibilityTimeout ?? 30);
  }

  send(
    body: string,
    now: Date,
    options: {
      delaySeconds?: number;
      attributes?: Record<string, MessageAttributeValue>;
      senderId: string;
      groupId?: string;
      deduplicationId?: string;
    },
  ): Message {
    const attributes = options.attributes ?? {};
    const delay = options.delaySeconds ?? Number(this.attributes.DelaySeconds ?? 0);
    const message: Message = {
      id: crypto.randomUUID(),
      body,
      md5OfBody: md5(Buffer.from(body, "utf8")),
      attributes,
      ...(Object.keys(attributes).length ? { md5OfAttributes: md5OfAttributes(attributes) } : {}),
      sentAt: now,
      senderId: options.senderId,
      visibleAt: now.getTime() + delay * 1000,
      receiveCount: 0,
      ...(options.groupId ? { groupId: options.groupId } : {}),
      ...(options.deduplicationId ? { deduplicationId: options.deduplicationId } : {}),
    };
    this.messages.push(message);
    return message;
  }

  visible(now: Date): Message[] {
    return this.messages.filter((m) => m.visibleAt <= now.getTime());
  }

  /** Receives up to `max` visible messages and hides them for `visibilitySeconds`. */
  receive(now: Date, max: number, visibilitySeconds: number): { message: Message; receiptHandle: string }[] {
    return this.visible(now)
      .slice(0, max)
      .map((message) => {
        message.receiveCount++;
        message.firstReceivedAt ??= now;
        message.visibleAt = now.getTime() + visibilitySeconds * 1000;
        message.receipt = randomBytes(12).toString("base64url");
        return { message, receiptHandle: encodeReceipt({ q: this.arn, m: message.id, n: message.receipt }) };
      });
  }

  /** The message a receipt handle names, if that handle is still its latest one. */
  held(receipt: Receipt): Message | undefined {
    return this.messages.find((m) => m.id === receipt.m && m.receipt === receipt.n);
  }

  remove(message: Message): void {
    const index = this.messages.indexOf(message);
    if (index >= 0) this.messages.splice(index, 1);
  }
}

export interface Receipt {
  /** Queue ARN, message id and receive nonce. */
  q: string;
  m: string;
  n: string;
}

function encodeReceipt(receipt: Receipt): string {
  return `AQEB${Buffer.from(JSON.stringify(receipt)).toString("base64")}`;
}

export function decodeReceipt(handle: unknown): Receipt | undefined {
  if (typeof handle !== "string" || !handle.startsWith("AQEB")) return undefined;
  try {
    const value = JSON.parse(Buffer.from(handle.slice(4), "base64").toString("utf8")) as Partial<Receipt>;
    if (typeof value.q === "string" && typeof value.m === "string" && typeof value.n === "string") {
      return { q: value.q, m: value.m, n: value.n };
    }
  } catch {}
  return undefined;
}

export function md5(bytes: Buffer): string {
  return createHash("md5").update(bytes).digest("hex");
}

/** SQS's digest of message attributes: names sorted, each field length-prefixed, a transport byte per value. */
export function md5OfAttributes(attributes: Record<string, MessageAttributeValue>): string {
  const parts: Buffer[] = [];
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const value = attributes[name];
    if (!value) continue;
    field(Buffer.from(name, "utf8"));
    field(Buffer.from(value.DataType, "utf8"));
    if (value.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]));
      field(Buffer.from(value.BinaryValue, "base64"));
    } else {
      parts.push(Buffer.from([1]));
      field(Buffer.from(value.StringValue ?? "", "utf8"));
    }
  }
  return md5(Buffer.concat(parts));
}

/** The system attributes a receiver may ask for, as strings. */
export function systemAttributes(message: Message): Record<string, string> {
  return {
    ApproximateReceiveCount: String(message.receiveCount),
    SentTimestamp: String(message.sentAt.getTime()),
    SenderId: message.senderId,
    ApproximateFirstReceiveTimestamp: String((message.firstReceivedAt ?? message.sentAt).getTime()),
    ...(message.groupId ? { MessageGroupId: message.groupId } : {}),
    ...(message.deduplicationId ? { MessageDeduplicationId: message.deduplicationId } : {}),
  };
}
