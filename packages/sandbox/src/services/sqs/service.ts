import { json } from "../../http.js";
import { awsJsonService } from "../aws-json.js";
import type { SandboxContext, Service } from "../service.js";
import { Delivery } from "./delivery.js";
import { messageOperations } from "./messages.js";
import { CONTENT_TYPE, fail, NO_QUEUE, names, pick, queryCompatible } from "./protocol.js";
import { QueueRegistry } from "./registry.js";

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}(\.fifo)?$/;

/**
 * SQS as the AWS SDK v3 speaks it: awsJson1_0 with target prefix AmazonSQS and query compatibility, so errors
 * carry x-amzn-query-error and the SDK maps e.g. AWS.SimpleQueueService.NonExistentQueue to QueueDoesNotExist.
 * Visibility timeouts and delays run on the sandbox clock; a queue can instead be delivered to an HTTP target.
 */
export function sqsService(ctx: SandboxContext): Service {
  const clock = ctx.estate.clock;
  const queues = new QueueRegistry(ctx);
  const delivery = new Delivery(clock, () => queues.all());

  const base = awsJsonService(ctx, {
    name: "sqs",
    target: "AmazonSQS",
    contentType: CONTENT_TYPE,
    throttlingCode: "RequestThrottled",
    operations: {
      CreateQueue(input, caller) {
        const name = String(input.QueueName ?? "");
        if (!QUEUE_NAME.test(name)) {
          throw fail(
            "InvalidParameterValue",
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
          );
        }
        const attributes = (input.Attributes ?? {}) as Record<string, string>;
        const existing = queues.get(caller.principal.account, caller.region, name);
        if (!existing)
          return { QueueUrl: queues.create(name, caller.principal.account, caller.region, attributes).url };
        const differing = Object.keys(attributes).find((k) => existing.attributes[k] !== attributes[k]);
        if (differing) {
          throw fail(
            "QueueNameExists",
            `A queue already exists with the same name and a different value for attribute ${differing}`,
          );
        }
        return { QueueUrl: existing.url };
      },
      GetQueueUrl(input, caller) {
        const account = String(input.QueueOwnerAWSAccountId ?? caller.principal.account);
        const queue = queues.get(account, caller.region, String(input.QueueName ?? ""));
        if (!queue) throw fail("QueueDoesNotExist", NO_QUEUE);
        return { QueueUrl: queue.url };
      },
      ListQueues(input, caller) {
        const prefix = String(input.QueueNamePrefix ?? "");
        const urls = queues
          .all()
          .filter((q) => q.account === caller.principal.account && q.region === caller.region)
          .filter((q) => q.name.startsWith(prefix))
          .map((q) => q.url);
        return urls.length ? { QueueUrls: urls.slice(0, Number(input.MaxResults ?? 1000)) } : {};
      },
      DeleteQueue(input, caller) {
        queues.delete(queues.byUrl(input, caller));
        return {};
      },
      PurgeQueue(input, caller) {
        queues.byUrl(input, caller).messages.length = 0;
        return {};
      },
      GetQueueAttributes(input, caller) {
        const attributes = pick(queues.attributes(queues.byUrl(input, caller)), names(input.AttributeNames));
        return Object.keys(attributes).length ? { Attributes: attributes } : {};
      },
      SetQueueAttributes(input, caller) {
        const queue = queues.byUrl(input, caller);
        Object.assign(queue.attributes, input.Attributes ?? {});
        queue.modifiedAt = clock.now();
        return {};
      },
      ...messageOperations(queues, clock),
    },
    control: {
      "POST /_sandbox/sqs/target": (req) => delivery.configure(req),
      "GET /_sandbox/sqs/messages": () => {
        const now = clock.now().getTime();
        return json(200, {
          queues: queues.all().map((q) => ({
            name: q.name,
            account: q.account,
            region: q.region,
            url: q.url,
            attributes: queues.attributes(q),
            messages: q.messages.map((m) => ({
              messageId: m.id,
              body: m.body,
              sentAt: m.sentAt.toISOString(),
              receiveCount: m.receiveCount,
              visible: m.visibleAt <= now,
              visibleAt: new Date(m.visibleAt).toISOString(),
              messageAttributes: m.attributes,
            })),
          })),
          targets: delivery.targets(),
          deliveries: delivery.log,
        });
      },
    },
    tick: () => delivery.deliver(),
  });
  return {
    ...base,
    handle: async (req, operation) => queryCompatible(await base.handle(req, operation)),
    throttled: (operation) => queryCompatible(base.throttled(operation)),
    unavailable: (operation) => queryCompatible(base.unavailable(operation)),
  };
}
