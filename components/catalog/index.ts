/**
 * Event catalog, envelope, per-destination mappings and samples. Importable by the exporter and
 * the CLI without loading Pulumi: nothing under components/catalog imports @pulumi/*.
 */
export * from "./envelope";
export * from "./events";
export * from "./mappings";
export * from "./samples";
export * from "./sentinel-tables";
