export { costExplorerService, DEFAULT_GROUPS_PER_PAGE } from "./cost-explorer/service.js";
