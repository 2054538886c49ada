/**
 * The destinations, listed once. The stack program, its config and outputs, `plan` and the policy
 * compiler loop over this list; a new destination is a folder under components/ and a line here.
 */
import { azure } from "./azure/destination";
import { cloudwatch } from "./cloudwatch/destination";
import { datadog } from "./datadog/destination";
import type { Destination } from "./destination";
import { kafka } from "./kafka/destination";
import {
  type AlertCompiler,
  type CompiledPolicy,
  type CompiledRule as CompiledRuleOf,
  readPolicy,
} from "./policy";
import { splunk } from "./splunk/destination";

export const DESTINATIONS = [
  cloudwatch,
  datadog,
  azure,
  kafka,
  splunk,
] as const satisfies readonly Destination[];

type Registered = (typeof DESTINATIONS)[number];
type AlertOf<D> = D extends { alerts?: AlertCompiler<infer A> } ? A : never;

/** Each alerting destination's alert, by its key. */
export type Alerts = {
  [D in Registered as D extends { alerts: AlertCompiler } ? D["key"] : never]: AlertOf<D>;
};
export type CompiledRule = CompiledRuleOf<Alerts>;

const compilers = new WeakMap<readonly Destination[], AlertCompiler[]>();

/** The alert compilers of these destinations, in their order (one array per list, so schemas are reused). */
export function alertCompilers(destinations: readonly Destination[] = DESTINATIONS): AlertCompiler[] {
  let list = compilers.get(destinations);
  if (!list) {
    list = destinations.flatMap((d) => (d.alerts ? [d.alerts as AlertCompiler] : []));
    compilers.set(destinations, list);
  }
  return list;
}

const ALERTERS = alertCompilers();

/** Reads, validates and compiles a policy file for the registered destinations. */
export function loadPolicy(file: string): CompiledPolicy<Alerts> {
  return readPolicy(file, ALERTERS) as CompiledPolicy<Alerts>;
}
