/**
 * The pySigma processing pipelines shipped with the rules (pipelines/*.yml), one per destination:
 * each maps the envelope's fields to the names that destination stores them under. pySigma's
 * built-in pipelines target Windows and cloud log sources and reject or mis-map these fields.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

export interface SigmaPipeline {
  /** Where the queries run. */
  destination: string;
  /** File under pipelines/ (and beside the exported rules). */
  file: string;
  /** `sigma convert -t` targets it is for, first the one the README shows. */
  targets: readonly string[];
  /** The pySigma backend package that provides the targets. */
  backend: string;
}

export const SIGMA_PIPELINES: readonly SigmaPipeline[] = [
  {
    destination: "Microsoft Sentinel / Log Analytics",
    file: "keytos-sentinel.yml",
    targets: ["kusto"],
    backend: "pySigma-backend-kusto",
  },
  {
    destination: "Splunk",
    file: "keytos-splunk.yml",
    targets: ["splunk"],
    backend: "pySigma-backend-splunk",
  },
  {
    destination: "Datadog",
    file: "keytos-datadog.yml",
    targets: ["datadog"],
    backend: "pySigma-backend-datadog",
  },
  {
    destination: "Elasticsearch",
    file: "keytos-elasticsearch.yml",
    targets: ["lucene", "esql"],
    backend: "pySigma-backend-elasticsearch",
  },
  {
    destination: "Grafana Loki",
    file: "keytos-loki.yml",
    targets: ["loki"],
    backend: "pySigma-backend-loki",
  },
];

/** Folder of the shipped pipeline files. */
export const SIGMA_PIPELINE_DIR = path.join(__dirname, "pipelines");

/** A pipeline's YAML text, as shipped. */
export const pipelineYaml = (p: SigmaPipeline) => readFileSync(path.join(SIGMA_PIPELINE_DIR, p.file), "utf8");
