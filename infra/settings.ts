// How the validated config reaches the functions: one linked value, `Resource.Stagekeeper.config` at run time
// (`import { Resource } from "sst"`). Links travel in the function bundle, encrypted, so the config is not
// bound by Lambda's 4 KB limit on environment variables. The link grants no permissions (see iam.ts).
import { config } from "./config";
import { deployedConfig } from "./load-config";
import { removalProject, removalQueue } from "./removal";
import { ledger } from "./storage";

export const settings = new sst.Linkable("Stagekeeper", {
  properties: {
    /** The deployed config: the validated file, with `ledger` and `removal` set to this deployment's resources. */
    config: $resolve([ledger.name, removalProject.name, removalQueue.url]).apply(
      ([ledgerBucket, removalProject, removalQueueUrl]) =>
        deployedConfig(config, { ledgerBucket, removalProject, removalQueueUrl }),
    ),
  },
});
