/**
 * The removal contract (environment names, outcome record, SST's messages) lives in the core, the single
 * source for our buildspec, the removal worker and this sandbox's CodeBuild.
 */
export * from "@stagekeeper/core/removal/contract";
