/**
 * A destination, as the stack program, the policy compiler, `plan` and the outputs contract see
 * it: one descriptor per folder (components/<key>/destination.ts), listed once in
 * components/registry.ts. Type-only Pulumi import: loading a descriptor never loads Pulumi; its
 * deploy() requires the component when a stack is actually built.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { AlertCompiler } from "./policy/alerts";
import type { CompiledAlert } from "./policy/compile";

export interface CheckContext {
  customer: string;
  /** Every alert of the policy: alerted events and custom detections. */
  rules: readonly CompiledAlert[];
  /** Settings fields that were set at all (invalid ones included): presence rules read this. */
  given: ReadonlySet<string>;
}

/** Provider configuration the stack hands a destination (a provider's `<namespace>:<key>` values). */
export interface ProviderConfig {
  get(key: string): string | undefined;
  getSecret(key: string): pulumi.Output<string> | undefined;
}

export interface DeployContext {
  customer: string;
  /** Every alert of the policy (alerted events and custom detections): each destination deploys its part. */
  rules: readonly CompiledAlert[];
  /** A provider's configuration namespace, as the stack holds it. */
  config(namespace: string): ProviderConfig;
  /**
   * Set by `keytos-siem plan` (the program under Pulumi's mocks; nothing is deployed): resources
   * register as they would, minus what only a deployment reads. A dynamic provider's code is not
   * serialized: Pulumi's serializer turns the V8 debugger on for the rest of the process, which
   * halves the speed of everything after it.
   */
  planOnly?: boolean;
}

export interface Deployed<O> {
  /** The stack output `<key>`. */
  outputs: pulumi.Input<O>;
  /** Secret stack outputs, `<key><Name>` (e.g. cloudwatchApiKey), each a Pulumi secret. */
  secrets?: Record<string, pulumi.Output<string> | undefined>;
}

type Inputs = Record<string, unknown>;

/** How `plan` shows and mocks the resource types a destination creates. */
export interface PlanTables {
  /** Per resource type (providers included): the key settings a reviewer checks. */
  show: Record<string, (inputs: Inputs) => Inputs>;
  /** Per resource type: the id and computed state the cloud would answer, offline. */
  mock?: Record<string, (args: { name: string; inputs: Inputs }) => { id: string; state: Inputs }>;
  /** Per data-source token: what the lookup would answer, offline. */
  invoke?: Record<string, (inputs: Inputs) => Inputs>;
}

export interface Destination<
  S extends z.ZodObject = z.ZodObject,
  O extends z.ZodObject = z.ZodObject,
  A = unknown,
> {
  /** The one name: config key, outputs key, policy key, `send --to`, plan group, folder. */
  readonly key: string;
  /** The product people know, for help text and headings. */
  readonly title: string;
  /** Pulumi type token of the component: keytos-siem:<key>:<Name>Destination. */
  readonly componentType: string;
  /** The settings, once: component args, stack config `keytos-siem:<key>`, base of the sender config. */
  readonly settings: S;
  /** Rules across fields and against the policy; fields that failed the schema are absent from `s`. */
  check?(s: Partial<z.output<S>>, ctx: CheckContext): string[];
  /** The stack output `<key>`; `smoke` reads it back. */
  readonly outputs: O;
  /** Names of secret stack outputs: "apiKey" is the output `<key>ApiKey`. */
  readonly secrets?: readonly string[];
  /** How the policy compiles to this destination's alerts; none for destinations without alerting. */
  readonly alerts?: AlertCompiler<A>;
  /** Whether these settings create the alerts (a destination may make them optional); default yes. */
  alerting?(s: z.output<S>): boolean;
  /** Whether these settings give every alert a target whatever the policy says (a stack-wide topic); default no. */
  notifiesEveryAlert?(s: z.output<S>): boolean;
  /** Creates the destination's providers and component under the stack. */
  deploy(s: z.output<S>, ctx: DeployContext): Deployed<z.input<O>>;
  readonly plan: PlanTables;
}

/** The stack output name of a destination's secret: ("<key>", "apiKey") -> "<key>ApiKey". */
export const secretOutputName = (key: string, secret: string) =>
  `${key}${secret.charAt(0).toUpperCase()}${secret.slice(1)}`;
