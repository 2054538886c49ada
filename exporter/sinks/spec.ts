/**
 * A destination as `keytos-siem send` and `smoke` see it: one descriptor per folder
 * (exporter/sinks/<key>/spec.ts), listed once in exporter/sinks/index.ts. The descriptor loads no
 * client library: create() and smoke() require their modules when called, so a sender holds only
 * its own SDK.
 */
import type { z } from "zod";
import type { CompiledAlert } from "../../components/policy/compile";
import type { Sink } from "../pipeline/sink";
import type { SmokeResult } from "../smoke/result";

export interface SinkOptions {
  /** Connections to keep open: the pipeline's requests in flight. */
  connections: number;
  /** Where credentials come from (never argv, preferably not the config file). */
  env: NodeJS.ProcessEnv;
}

export interface SmokeContext {
  /** Every alert of the policy: alerted events and custom detections. */
  rules: readonly CompiledAlert[];
  env: NodeJS.ProcessEnv;
  /** Patience for ingestion to become searchable, per check. */
  patienceMs?: number;
  onProgress?: (message: string) => void;
}

export interface SinkSpec<C extends z.ZodObject = z.ZodObject, O = never> {
  /** `--to` and the send config section; the destination's key where there is one. */
  readonly key: string;
  readonly title: string;
  /** The send config section, once the environment is merged in. */
  readonly config: C;
  /** Config fields the environment can set, and their variables (`send --help`, "required" messages). */
  readonly env: Readonly<Record<string, string>>;
  /** Former field names, still accepted for one release: old -> new. */
  readonly aliases?: Readonly<Record<string, string>>;
  /** Fields kept for one release that should move elsewhere: field -> what to do instead. */
  readonly deprecated?: Readonly<Record<string, string>>;
  create(config: z.output<C>, options: SinkOptions): Sink;
  /**
   * The post-deploy smoke check, from the destination's stack outputs and secret outputs (by
   * name: "apiKey"); verification credentials come from the environment.
   */
  smoke?(outputs: O, secrets: Readonly<Record<string, string>>, ctx: SmokeContext): Promise<SmokeResult[]>;
  readonly help: {
    /** `send --help`: the environment this destination reads. */
    send: readonly string[];
    /** `smoke --help`: verification credentials and overrides. */
    smoke?: readonly string[];
  };
}
