import type { Caller } from "../aws-json.js";
import type { SandboxContext } from "../service.js";
import { fail, NO_QUEUE } from "./protocol.js";
import { DEFAULT_ATTRIBUTES, Queue } from "./queues.js";

/** The queues of every account and region. Queue URLs are `<sandbox>/<account>/<name>`. */
export class QueueRegistry {
  /** `${account}/${region}/${name}` → queue. */
  private readonly queues = new Map<string, Queue>();
  private seeded = false;

  constructor(private readonly ctx: SandboxContext) {}

  /** Every queue; the seed's are made on first use, once the server listens and its URL is known. */
  all(): Queue[] {
    if (!this.seeded && this.ctx.url()) {
      this.seeded = true;
      for (const q of this.ctx.estate.seed.queues) this.create(q.name, q.account, q.region);
    }
    return [...this.queues.values()];
  }

  get(account: string, region: string, name: string): Queue | undefined {
    this.all();
    return this.queues.get(`${account}/${region}/${name}`);
  }

  create(name: string, account: string, region: string, attributes: Record<string, string> = {}): Queue {
    const url = `${this.ctx.url()}/${account}/${name}`;
    const queue = new Queue(
      name,
      account,
      region,
      url,
      { ...DEFAULT_ATTRIBUTES, ...attributes },
      this.ctx.estate.clock.now(),
    );
    this.queues.set(`${account}/${region}/${name}`, queue);
    return queue;
  }

  delete(queue: Queue): void {
    this.queues.delete(`${queue.account}/${queue.region}/${queue.name}`);
  }

  /**
   * The queue a request's QueueUrl names. Its path holds the account and the name; with no region in the URL,
   * the caller's region wins when two regions hold a queue of that name.
   */
  byUrl(input: Record<string, unknown>, caller: Caller): Queue {
    const url = input.QueueUrl;
    if (typeof url !== "string" || !url) {
      throw fail("MissingParameter", "The request must contain the parameter QueueUrl.");
    }
    let parts: string[];
    try {
      parts = new URL(url).pathname.split("/").filter(Boolean);
    } catch {
      throw fail("InvalidAddress", `The address ${url} is not valid for this endpoint.`);
    }
    const [account, name] = parts;
    const matches = this.all().filter((q) => q.account === account && q.name === name);
    const queue = matches.find((q) => q.region === caller.region) ?? matches[0];
    if (parts.length !== 2 || !queue) throw fail("QueueDoesNotExist", NO_QUEUE);
    return queue;
  }

  /** The queue attributes GetQueueAttributes reports, all as strings. */
  attributes(queue: Queue): Record<string, string> {
    const now = this.ctx.estate.clock.now().getTime();
    const inFlight = queue.messages.filter((m) => m.receiveCount > 0 && m.visibleAt > now).length;
    const delayed = queue.messages.filter((m) => m.receiveCount === 0 && m.visibleAt > now).length;
    return {
      QueueArn: queue.arn,
      ApproximateNumberOfMessages: String(queue.messages.length - inFlight - delayed),
      ApproximateNumberOfMessagesNotVisible: String(inFlight),
      ApproximateNumberOfMessagesDelayed: String(delayed),
      CreatedTimestamp: String(Math.floor(queue.createdAt.getTime() / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.modifiedAt.getTime() / 1000)),
      ...queue.attributes,
    };
  }
}
