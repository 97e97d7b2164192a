import { z } from "zod";
import type { LedgerStore } from "../ledger/store.js";

/** X-GitHub-Delivery is a GUID; anything else is refused before it names a ledger key. */
export const DELIVERY_ID = /^[A-Za-z0-9-]{1,64}$/;

/** A delivery still "processing" after this long was abandoned (the function timed out or crashed). */
const ABANDONED_MS = 60_000;

export const deliverySchema = z.strictObject({
  delivery: z.string(),
  event: z.string(),
  action: z.string().optional(),
  repository: z.string().optional(),
  number: z.number().optional(),
  receivedAt: z.iso.datetime({ offset: true }),
  status: z.enum(["processing", "done", "failed"]),
  result: z.string().max(200).optional(),
});
export type DeliveryRecord = z.infer<typeof deliverySchema>;

/** Where a delivery's dedupe record goes; the deployment expires them (infra/storage.ts). */
export const DELIVERIES_PREFIX = "github/deliveries/";

export function deliveryKey(id: string): string {
  return `${DELIVERIES_PREFIX}${id}.json`;
}

/**
 * Takes a delivery for processing: "new" the first time (created with If-None-Match: *), "duplicate" when it
 * was already handled or is being handled. A delivery whose handling failed or was abandoned may be taken
 * again, so a redelivery from GitHub's UI can finish the job; the gate's claim keeps that safe.
 */
export async function takeDelivery(
  store: LedgerStore,
  record: DeliveryRecord,
  now: Date,
): Promise<"new" | "retry" | "duplicate"> {
  const key = deliveryKey(record.delivery);
  if ((await store.put(key, record, undefined)) !== false) return "new";
  let taken = false;
  await store.update(key, deliverySchema, (current) => {
    taken = false;
    const abandoned =
      current?.status === "processing" && now.getTime() - Date.parse(current.receivedAt) > ABANDONED_MS;
    if (!current || current.status === "failed" || abandoned) {
      taken = true;
      return { ...record, receivedAt: now.toISOString() };
    }
    return undefined;
  });
  return taken ? "retry" : "duplicate";
}

export async function finishDelivery(
  store: LedgerStore,
  id: string,
  status: "done" | "failed",
  result: string,
): Promise<void> {
  await store.update(deliveryKey(id), deliverySchema, (current) =>
    current ? { ...current, status, result: result.slice(0, 200) } : undefined,
  );
}
