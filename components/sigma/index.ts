/**
 * The policy as Sigma rules and the pySigma pipelines that convert them for each destination.
 * Names no destination's code: the pipelines are data.
 */
export * from "./pipelines";
export * from "./rules";
