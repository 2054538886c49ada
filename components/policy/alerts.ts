/**
 * What the policy core knows of a destination's alerting: an AlertCompiler. The core validates
 * the policy file and selects events; each destination's compiler turns one selected event into
 * its own alert (a metric filter and alarm, a monitor, an analytics rule...). The core names no
 * destination: the compilers it is given decide which `destinations:` and `notify:` keys exist.
 */
import type { z } from "zod";
import type { Category, Criticality, Product } from "../catalog/events";
import type { DetectionCompiler, Expr } from "./detection";
import type { Severity } from "./schema";

/** What every alert has, whatever it matches: what the components, `plan` and `smoke` read. */
interface AlertContextBase {
  /** Unique across the policy's alerts: "EZCA:4888", "detection:web-cert-outside-admins". */
  key: string;
  /** Resource-name friendly and stable (resource names derive from it): "ezca-4888", "detection-web-cert-outside-admins". */
  slug: string;
  /** One line naming the alert: "EZCA Event ID 4888: Certificate request denied". */
  title: string;
  description: string;
  /** Name of the policy rule (or the detection) that made this alert. */
  rule: string;
  severity: Severity;
  window: string;
  windowSeconds: number;
  threshold: number;
}

/** One alerted catalog event, as every destination sees it (a compiled rule without its alerts). */
export interface RuleContext extends AlertContextBase {
  kind: "event";
  product: Product;
  id: number;
  category: Category;
  /** Event summary, from the catalog. */
  name: string;
  response: string;
  /** Criticality after the policy's overrides. */
  criticality: Criticality;
}

/** One custom detection, as every destination sees it (a compiled detection without its alerts). */
export interface DetectionContext extends AlertContextBase {
  kind: "detection";
  /** The detection's name in the policy. */
  name: string;
  expr: Expr;
  /** Each enabled destination's query, by destination key (its DetectionCompiler's output). */
  queries: Record<string, string>;
}

/** What a destination compiles an alert for: an alerted event or a custom detection. */
export type AlertContext = RuleContext | DetectionContext;

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
  /**
   * The alert for one selected event or custom detection (whose query is `rule.queries[key]`);
   * `notify` is defaults' notify merged with the rule's.
   */
  compile(rule: AlertContext, notify: z.output<N>, defaults: PolicyDefaults): A;
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

/** The compilers these destination names (keys or aliases) enable, all when none are given, in the compilers' order. */
export function enabledCompilers<C extends Pick<AlertCompiler, "key" | "aliases">>(
  names: readonly string[] | undefined,
  compilers: readonly C[],
): C[] {
  if (!names) return [...compilers];
  const wanted = new Set(names.map((n) => compilerNamed(compilers, n)));
  return compilers.filter((c) => wanted.has(c));
}

/** A compiler's section of a `notify:` map, under its key or any alias. */
export const notifySection = (
  notify: Record<string, unknown> | undefined,
  a: Pick<AlertCompiler, "key" | "aliases">,
): Record<string, unknown> => Object.assign({}, ...namesOf(a).map((n) => notify?.[n]));
