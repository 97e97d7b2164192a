import { z } from "zod";
import { describeError } from "../aws/clients.js";
import type { Config } from "../config/index.js";
import type { LedgerStore } from "../ledger/store.js";
import { block } from "./blocks.js";
import type { Digest } from "./digest.js";
import { longDate } from "./format.js";
import { DeliveryError, type Progress, postDigest, type SlackOptions, slackClient } from "./slack.js";

export const PENDING_PREFIX = "digests/pending/";
export const SENT_PREFIX = "digests/sent/";
/** Digests that could not be sent are tried again with the next runs, for this long; then they are stale. */
const PENDING_DAYS = 7;
/** Older digests re-sent per run, oldest first, before today's. */
const MAX_RESENT = 3;

const messageSchema = z.object({ text: z.string(), blocks: z.array(z.record(z.string(), z.unknown())) });
const pendingSchema = z.object({
  at: z.iso.datetime({ offset: true }),
  digest: messageSchema.extend({ thread: z.array(messageSchema) }),
  progress: z
    .object({ channel: z.string(), ts: z.string().optional(), replies: z.number().int().min(0) })
    .optional(),
  attempts: z.number().int().min(1),
  error: z.string(),
});
type Pending = z.infer<typeof pendingSchema>;

export interface DigestDelivery {
  status: "sent" | "pending" | "skipped";
  channel?: string;
  /** The top-level message, when it was posted. */
  ts?: string;
  /** Earlier digests that were delivered now (their run times). */
  resent: string[];
  /** Digests kept in the ledger for the next run (their run times), today's included when it failed. */
  pending: string[];
  /** Why the digest was not (fully) delivered, naming the fix. */
  error?: string;
  /** The ledger could not record a delivery or keep a digest. */
  ledgerErrors?: string[];
}

export interface DeliverInput {
  store?: LedgerStore;
  config: Config;
  /** The run the digest belongs to. */
  at: Date;
  digest: Digest;
  slack?: SlackOptions;
}

/**
 * Sends the digest: first any digests earlier runs could not send, then today's. A digest that fails is kept
 * as `digests/pending/<run>.json` (with how far it got, so a retry never posts the top message twice) and the
 * delivery says why; a sent one leaves `digests/sent/<run>.json` with its channel and ts.
 */
export async function deliverDigest(input: DeliverInput): Promise<DigestDelivery> {
  const channel = input.config.slack?.channel;
  if (!channel)
    return {
      status: "skipped",
      resent: [],
      pending: [],
      error: 'no Slack channel is configured: set "slack": {"channel": "C…"}',
    };
  const { client, token } = slackClient(input.slack);
  const at = input.at.toISOString();
  const result: DigestDelivery = { status: "pending", channel, resent: [], pending: [] };
  // Earlier digests that cannot be listed wait for a later run; today's still goes out.
  const older = input.store
    ? await pendingDigests(input.store, input.at).catch((error) => {
        note(result, `earlier undelivered digests could not be read: ${describeError(error)}`);
        return [];
      })
    : [];
  if (!token) {
    result.error =
      "SLACK_BOT_TOKEN is not set: give the Bot User OAuth Token (xoxb-…) of the Stagekeeper Slack app";
  } else {
    for (const pending of older.slice(-MAX_RESENT)) {
      if (result.error) break;
      try {
        const progress = await postDigest(
          client,
          delayed(pending),
          pending.progress ?? { channel, replies: 0 },
          input.slack,
        );
        note(result, await markSent(input.store, pending.at, progress));
        result.resent.push(pending.at);
      } catch (error) {
        result.error = error instanceof DeliveryError ? error.message : String(error);
        if (error instanceof DeliveryError)
          note(
            result,
            await keep(input.store, {
              ...pending,
              progress: error.progress,
              attempts: pending.attempts + 1,
              error: result.error,
            }),
          );
      }
    }
  }
  if (!result.error) {
    try {
      const progress = await postDigest(client, input.digest, { channel, replies: 0 }, input.slack);
      note(result, await markSent(input.store, at, progress));
      return {
        ...result,
        status: "sent",
        ts: progress.ts ?? "",
        channel: progress.channel,
        pending: stillPending(older, result),
      };
    } catch (error) {
      result.error = error instanceof DeliveryError ? error.message : String(error);
      const progress = error instanceof DeliveryError ? error.progress : undefined;
      note(
        result,
        await keep(input.store, {
          at,
          digest: input.digest,
          ...(progress ? { progress } : {}),
          attempts: 1,
          error: result.error,
        }),
      );
      if (progress?.ts) result.ts = progress.ts;
    }
  } else {
    note(result, await keep(input.store, { at, digest: input.digest, attempts: 1, error: result.error }));
  }
  const pending = [...stillPending(older, result), ...(input.store ? [at] : [])];
  return { ...result, pending };
}

function note(result: DigestDelivery, problem: string | undefined): void {
  if (problem) result.ledgerErrors = [...(result.ledgerErrors ?? []), problem];
}

function stillPending(older: Pending[], result: DigestDelivery): string[] {
  return older.map((p) => p.at).filter((at) => !result.resent.includes(at));
}

/** A digest sent late says so at its top. */
function delayed(pending: Pending): Digest {
  const note = block.context([
    `:hourglass: Delayed: this digest of ${longDate(new Date(pending.at))} could not be sent then (${pending.error.slice(0, 200)}).`,
  ]);
  const [head, ...rest] = pending.digest.blocks;
  const blocks = head && pending.digest.blocks.length < 50 ? [head, note, ...rest] : pending.digest.blocks;
  return { text: `[delayed] ${pending.digest.text}`, blocks, thread: pending.digest.thread };
}

/** Unsent digests of the last PENDING_DAYS days, oldest first; older ones are left as a record, not sent. */
export async function pendingDigests(store: LedgerStore, now: Date): Promise<Pending[]> {
  const [pending, sent] = await Promise.all([store.list(PENDING_PREFIX), store.list(SENT_PREFIX)]);
  const done = new Set(sent.map((s) => s.key.slice(SENT_PREFIX.length)));
  const cutoff = new Date(now.getTime() - PENDING_DAYS * 86_400_000).toISOString();
  const keys = pending
    .map((p) => p.key.slice(PENDING_PREFIX.length))
    .filter(
      (name) =>
        !done.has(name) &&
        name.replace(/\.json$/, "") >= cutoff &&
        name.replace(/\.json$/, "") < now.toISOString(),
    )
    .sort();
  const read = await Promise.all(
    keys.map((name) => store.get(`${PENDING_PREFIX}${name}`, pendingSchema).catch(() => undefined)),
  );
  return read.flatMap((r) => (r ? [r.value] : []));
}

/** Keeps a digest for the next run; answers why it could not, if it could not. */
async function keep(store: LedgerStore | undefined, pending: Pending): Promise<string | undefined> {
  if (!store) return undefined;
  try {
    await store.update(`${PENDING_PREFIX}${pending.at}.json`, pendingSchema, () => pending);
    return undefined;
  } catch (error) {
    return `it could not be kept for the next run either: ${describeError(error)}`;
  }
}

/** Records a delivery. A failure here must not turn a sent digest into a failed one: it is only reported. */
async function markSent(
  store: LedgerStore | undefined,
  at: string,
  progress: Progress,
): Promise<string | undefined> {
  if (!store) return undefined;
  try {
    await store.update(`${SENT_PREFIX}${at}.json`, z.looseObject({}), () => ({
      at,
      channel: progress.channel,
      ts: progress.ts,
    }));
    return undefined;
  } catch (error) {
    return `the delivery of ${at} could not be recorded in the ledger (it may be sent again): ${describeError(error)}`;
  }
}
