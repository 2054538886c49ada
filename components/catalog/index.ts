/**
 * Event catalog, envelope, product facts and samples: what every destination shares. Importable by
 * the exporter and the CLI without loading Pulumi (nothing under components/catalog imports
 * @pulumi/*), and naming no destination: each destination's shape of an event lives in its folder.
 */
export * from "./envelope";
export * from "./events";
export * from "./json";
export * from "./products";
export * from "./samples";
