export { sqsService } from "./sqs/service.js";
