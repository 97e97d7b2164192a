export { codebuildService } from "./codebuild/service.js";
