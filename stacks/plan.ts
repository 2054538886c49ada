/**
 * `keytos-siem plan`: runs the stack program offline under Pulumi's mocks (no CLI, no
 * credentials) and reports what `pulumi up` would create, grouped by destination with each
 * resource's key settings, plus the alert matrix (event x alerting destination). Only Pulumi's
 * public API: setMocks' newResource hook sees every registration; a stack transformation sees
 * each resource's parent, which attributes it to the destination whose component it is under.
 * The outputs the program returns are checked against the outputs contract. Each stack gets a
 * fresh mock monitor, so many customers can be planned in one process.
 */
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { KNOWN_AFTER_DEPLOY, pick } from "../components/config/plan-tables";
import type { Destination, PlanTables, ProviderConfig } from "../components/destination";
import { type AlertCompiler, alertsOf, type CompiledAlert, silentAlerts } from "../components/policy";
import { DESTINATIONS } from "../components/registry";
import { namespaceConfig, resolveStack } from "./config";
import { outputsSchemaFor } from "./outputs";
import { defineStack } from "./program";

export interface PlannedResource {
  type: string;
  name: string;
  settings: Record<string, unknown>;
}

export interface PlannedDestination {
  destination: string;
  component: string;
  /** Resource count per type. */
  counts: Record<string, number>;
  resources: PlannedResource[];
}

/** One alerted event; each alerting destination of the stack adds its column (its alert's summary). */
export interface PlannedAlert {
  key: string;
  name: string;
  severity: string;
  window: string;
  threshold: number;
  [destination: string]: string | number;
}

export interface Plan {
  stack: string;
  customer: string;
  policyFile: string;
  /** Every resource `pulumi up` would create, providers and components included. */
  totalResources: number;
  providers: PlannedResource[];
  destinations: PlannedDestination[];
  alerts: PlannedAlert[];
  /** Alerts that notify nobody, each with how to add a target (the CLI prints them to stderr). */
  warnings: string[];
}

/** Why a detection gets no alert at an alerting destination: it cannot express it, or the detection leaves it out. */
function notDeployed(d: Extract<CompiledAlert, { kind: "detection" }>, key: string): string {
  const why = d.inexpressible[key];
  return why ? `not deployed: ${why}` : "not deployed: not in this detection's destinations";
}

export interface PlanOptions {
  stack: string;
  projectRoot: string;
  policyFile?: string;
  /** The destinations to plan with (default: the registry). */
  destinations?: readonly Destination[];
}

type Inputs = Record<string, unknown>;

const byTypeAndName = (a: PlannedResource, b: PlannedResource) =>
  a.type.localeCompare(b.type) || a.name.localeCompare(b.name);

/** Unknown types show their name-like inputs. */
const FALLBACK = pick("name", "displayName");

/** The merged plan tables of these destinations (plans build many stacks from one registry). */
const tablesCache = new WeakMap<readonly Destination[], Required<PlanTables>>();
function tables(destinations: readonly Destination[]): Required<PlanTables> {
  let t = tablesCache.get(destinations);
  if (!t) {
    t = {
      show: Object.assign({}, ...destinations.map((d) => d.plan.show)),
      mock: Object.assign({}, ...destinations.map((d) => d.plan.mock ?? {})),
      invoke: Object.assign({}, ...destinations.map((d) => d.plan.invoke ?? {})),
    };
    tablesCache.set(destinations, t);
  }
  return t;
}

/**
 * Provider configuration from the stack file's `config:` map. `secure:` values are ciphertext
 * only the Pulumi CLI can open: a plan sees that a secret is set, never a value.
 */
function fileConfig(all: Inputs): (namespace: string) => ProviderConfig {
  return (ns) => {
    const value = (key: string) => all[`${ns}:${key}`];
    const isSecure = (v: unknown) => typeof v === "object" && v !== null && "secure" in v;
    return {
      get: (key) => {
        const v = value(key);
        if (v === undefined || isSecure(v)) return undefined;
        return typeof v === "string" ? v : JSON.stringify(v);
      },
      getSecret: (key) =>
        value(key) === undefined ? undefined : pulumi.secret("(secret from the stack config)"),
    };
  };
}

/** Plans one stack from its raw `config:` map (as in Pulumi.<stack>.yaml). */
export async function planStack(stackConfig: Inputs, opts: PlanOptions): Promise<Plan> {
  const registry = opts.destinations ?? DESTINATIONS;
  const raw = namespaceConfig(stackConfig);
  if (opts.policyFile) raw.policyFile = opts.policyFile;
  const resolved = resolveStack(raw, opts.projectRoot, registry); // throws StackConfigError before any mock runs
  const t = tables(registry);

  const seen: { type: string; name: string; inputs: Inputs }[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        seen.push(args);
        // Ids the cloud assigns are known after deploy, as `pulumi preview` shows them.
        const mocked = t.mock[args.type]?.(args) ?? { id: KNOWN_AFTER_DEPLOY, state: {} };
        return { id: mocked.id, state: { ...args.inputs, ...mocked.state } };
      },
      call: (args) => t.invoke[args.token]?.(args.inputs) ?? args.inputs,
    },
    "keytos-siem",
    opts.stack,
    false,
  );
  // Attribution: a component's type names its destination; anything under it belongs to it too.
  const owners = new Map<pulumi.Resource, string>();
  const ownerOf = new Map<string, string>();
  const policyFile = path.relative(opts.projectRoot, resolved.config.policyFile);
  const outputs = await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((a) => {
      const owner =
        registry.find((d) => d.componentType === a.type)?.key ??
        (a.opts.parent ? owners.get(a.opts.parent) : undefined);
      if (owner) {
        owners.set(a.resource, owner);
        ownerOf.set(`${a.type}::${a.name}`, owner);
      }
      // Aliases match a resource to its former URN in a deployed stack's state; a plan has none,
      // so they change nothing here, yet Pulumi turns each into a URN through several Outputs
      // (a provider may list 42 former API versions per resource): ~0.5 s of such a plan.
      if (a.opts.aliases?.length) return { props: a.props, opts: { ...a.opts, aliases: [] } };
      return undefined;
    });
    return defineStack(resolved, policyFile, fileConfig(stackConfig), true);
  });
  // Waits until every registration (including those whose inputs were Outputs) reached the mocks.
  await pulumi.runtime.disconnect();
  const contract = outputsSchemaFor(registry).safeParse(outputs);
  if (!contract.success) {
    throw new Error(
      `the stack's outputs break the outputs contract (stacks/outputs.ts): ${contract.error.message}`,
    );
  }

  const groups = new Map<string, PlannedDestination>();
  const providers: PlannedResource[] = [];
  let total = 0;
  for (const { type, name, inputs } of seen) {
    if (type === "pulumi:pulumi:Stack") continue; // the root, which `pulumi up` does not count either
    total++;
    const resource = { type, name, settings: (t.show[type] ?? FALLBACK)(inputs) };
    if (type.startsWith("pulumi:providers:")) {
      providers.push(resource);
      continue;
    }
    const key = ownerOf.get(`${type}::${name}`);
    const d = registry.find((x) => x.key === key);
    if (!d) continue;
    let group = groups.get(d.key);
    if (!group) {
      group = { destination: d.key, component: d.componentType, counts: {}, resources: [] };
      groups.set(d.key, group);
    }
    if (type === d.componentType) continue; // the component itself
    group.counts[type] = (group.counts[type] ?? 0) + 1;
    group.resources.push(resource);
  }

  const c = resolved.config;
  const alerting = resolved.registry.filter(
    (d) => d.alerts && c[d.key] !== undefined && (d.alerting?.(c[d.key] as never) ?? true),
  );
  // A stack-wide target (e.g. an alarm topic) gives that destination's alerts one.
  const unnotified = alerting.filter((d) => !d.notifiesEveryAlert?.(c[d.key] as never));
  return {
    stack: opts.stack,
    customer: c.customer,
    policyFile,
    totalResources: total,
    providers: providers.sort(byTypeAndName),
    // Stable order throughout, so `plan --json` diffs cleanly in CI.
    destinations: resolved.destinations.flatMap((key) => {
      const g = groups.get(key);
      if (!g) return [];
      const counts = Object.fromEntries(Object.entries(g.counts).sort(([a], [b]) => a.localeCompare(b)));
      return [{ ...g, counts, resources: g.resources.sort(byTypeAndName) }];
    }),
    alerts: alertsOf(resolved.policy).map((r) => {
      const row: PlannedAlert = {
        key: r.key,
        name: r.name,
        severity: r.severity,
        window: r.window,
        threshold: r.threshold,
      };
      for (const d of alerting) {
        const alert = r.destinations[d.key];
        if (alert !== undefined && d.alerts) row[d.key] = d.alerts.summary(alert);
        else if (r.kind === "detection") row[d.key] = notDeployed(r, d.key);
      }
      return row;
    }),
    warnings: silentAlerts(
      resolved.policy,
      unnotified.map((d) => d.alerts as AlertCompiler),
    ).map((w) => w.message),
  };
}
