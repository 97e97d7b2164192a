export { s3Service } from "./s3/service.js";
