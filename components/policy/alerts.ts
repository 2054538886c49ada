/**
 * What the policy core knows of a destination's alerting: an AlertCompiler. The core validates
 * the policy file and selects events; each destination's compiler turns one selected event into
 * its own alert (a metric filter and alarm, a monitor, an analytics rule...). The core names no
 * destination: the compilers it is given decide which `destinations:` and `notify:` keys exist.
 */
import type { z } from "zod";
import type { CatalogEvent, Category, Criticality, Product } from "../catalog/events";
import type { DetectionCompiler } from "./detection";
import type { Severity } from "./schema";

/** One alerted event, as every destination sees it (a compiled rule without its alerts). */
export interface RuleContext {
  /** "EZCA:4888" */
  key: string;
  /** Resource-name friendly id: "ezca-4888". */
  slug: string;
  product: Product;
  id: number;
  category: Category;
  /** Event summary, from the catalog. */
  name: string;
  description: string;
  response: string;
  /** Criticality after the policy's overrides. */
  criticality: Criticality;
  /** Name of the policy rule that selected this event. */
  rule: string;
  severity: Severity;
  window: string;
  windowSeconds: number;
  threshold: number;
}

/** The policy's `defaults:` section, as compilers read it (their own fields included). */
export type PolicyDefaults = Record<string, unknown>;

export interface AlertCompiler<A = unknown, N extends z.ZodType = z.ZodType> {
  /** The destination key: a policy `destinations:` entry and the `notify.<key>` section. */
  readonly key: string;
  /** Former names still accepted in policies (and --destination) for one release. */
  readonly aliases?: readonly string[];
  /** Schema of `notify.<key>` (strict object of optional fields). */
  readonly notify: N;
  /** Extra fields this destination adds to the policy's `defaults:` (e.g. a metric namespace). */
  readonly defaults?: z.ZodRawShape;
  /** The alert for one selected event; `notify` is defaults' notify merged with the rule's. */
  compile(event: CatalogEvent, rule: RuleContext, notify: z.output<N>, defaults: PolicyDefaults): A;
  /**
   * Whether the alert notifies someone (a topic, an @-handle, an incident): `policy check` and
   * `plan` warn about alerts that fire where nobody looks.
   */
  notifies(alert: A): boolean;
  /** How to give this destination's alerts a target, for that warning (policy fields, e.g. notify.<key>.*). */
  readonly addTarget: string;
  /** One line for the plan's alert matrix. */
  summary(alert: A): string;
  /** What `policy compile` shows (may span lines); defaults to the summary. */
  describe?(alert: A): string;
  /**
   * Offline proof that the alert selects exactly its own event: problems found when it is
   * evaluated against every catalog sample (an empty list is a pass).
   */
  verify(alert: A, rule: RuleContext): string[];
  /**
   * The policy's custom detections (Sigma detection syntax) as this destination's query
   * (components/<key>/detection.ts); a destination without one cannot be a detection's destination.
   */
  readonly detection?: DetectionCompiler;
}

/** The accepted names of a compiler: its key, then its aliases. */
export const namesOf = (a: Pick<AlertCompiler, "key" | "aliases">): string[] => [a.key, ...(a.aliases ?? [])];

/** The compiler a name (key or alias) stands for. */
export function compilerNamed<C extends Pick<AlertCompiler, "key" | "aliases">>(
  compilers: readonly C[],
  name: string,
): C | undefined {
  return compilers.find((c) => namesOf(c).includes(name));
}
