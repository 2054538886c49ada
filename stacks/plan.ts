/**
 * `keytos-siem plan`: runs the stack program offline under Pulumi's mocks (no CLI, no
 * credentials) and reports what `pulumi up` would create, grouped by destination with each
 * resource's key settings, plus the alert matrix (event x destination: query, severity).
 * Each stack gets a fresh mock monitor, so many customers can be planned in one process.
 */
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { namespaceConfig, resolveStack, type StackDestination } from "./config";
import { mockInvoke, mockState } from "./plan-mocks";
import { keySettings } from "./plan-settings";
import { defineStack } from "./program";

export interface PlannedResource {
  type: string;
  name: string;
  settings: Record<string, unknown>;
}

export interface PlannedDestination {
  destination: StackDestination;
  component: string;
  /** Resource count per type. */
  counts: Record<string, number>;
  resources: PlannedResource[];
}

export interface PlannedAlert {
  key: string;
  name: string;
  severity: string;
  window: string;
  threshold: number;
  cloudwatch?: string;
  datadog?: string;
  sentinel?: string;
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
}

const COMPONENTS: Record<string, StackDestination> = {
  "keytos-siem:aws:CloudWatchDestination": "cloudwatch",
  "keytos-siem:datadog:DatadogDestination": "datadog",
  "keytos-siem:azure:SentinelDestination": "azure",
  "keytos-siem:kafka:KafkaDestination": "kafka",
};

const byTypeAndName = (a: PlannedResource, b: PlannedResource) =>
  a.type.localeCompare(b.type) || a.name.localeCompare(b.name);

type MockMonitor = { resources: Map<string, { urn: string }> };

/** Plans one stack from its raw `config:` map (as in Pulumi.<stack>.yaml). */
export async function planStack(
  stackConfig: Record<string, unknown>,
  opts: { stack: string; projectRoot: string; policyFile?: string },
): Promise<Plan> {
  const raw = namespaceConfig(stackConfig);
  if (opts.policyFile) raw.policyFile = opts.policyFile;
  const resolved = resolveStack(raw, opts.projectRoot); // throws StackConfigError before any mock runs

  const inputs = new Map<string, Record<string, unknown>>();
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        inputs.set(`${args.type}::${args.name}`, args.inputs);
        const { id, state } = mockState(args.type, args.name, args.inputs);
        return { id, state: { ...args.inputs, ...state } };
      },
      call: (args) => mockInvoke(args.token, args.inputs),
    },
    "keytos-siem",
    opts.stack,
    false,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitor;
  // Pulumi stamps `new Error().stack` on every internal promise (leak diagnostics); under source
  // maps that was most of a plan's CPU time. Plans report messages, not stacks: skip the frames.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    defineStack(resolved, path.relative(opts.projectRoot, resolved.config.policyFile));
    // Waits until every registration (including those whose inputs were Outputs) reached the mocks.
    await pulumi.runtime.disconnect();
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }

  const destinations = new Map<StackDestination, PlannedDestination>();
  const providers: PlannedResource[] = [];
  for (const { urn } of monitor.resources.values()) {
    const [, , typeChain = "", name = ""] = urn.split("::");
    const chain = typeChain.split("$");
    const type = chain[chain.length - 1] as string;
    const resource = { type, name, settings: keySettings(type, inputs.get(`${type}::${name}`) ?? {}) };
    if (type.startsWith("pulumi:providers:")) {
      providers.push(resource);
      continue;
    }
    const destination = COMPONENTS[chain[0] as string];
    if (!destination) continue;
    let d = destinations.get(destination);
    if (!d) {
      d = { destination, component: chain[0] as string, counts: {}, resources: [] };
      destinations.set(destination, d);
    }
    if (chain.length === 1) continue; // the component itself
    d.counts[type] = (d.counts[type] ?? 0) + 1;
    d.resources.push(resource);
  }

  const c = resolved.config;
  const sentinelOn = c.azure !== undefined && c.azure.sentinel !== "none";
  return {
    stack: opts.stack,
    customer: c.customer,
    policyFile: path.relative(opts.projectRoot, c.policyFile),
    totalResources: monitor.resources.size,
    providers: providers.sort(byTypeAndName),
    // Stable order throughout, so `plan --json` diffs cleanly in CI.
    destinations: resolved.destinations.flatMap((name) => {
      const d = destinations.get(name);
      if (!d) return [];
      const counts = Object.fromEntries(Object.entries(d.counts).sort(([a], [b]) => a.localeCompare(b)));
      return [{ ...d, counts, resources: d.resources.sort(byTypeAndName) }];
    }),
    alerts: resolved.policy.rules.map((r) => ({
      key: r.key,
      name: r.name,
      severity: r.severity,
      window: r.window,
      threshold: r.threshold,
      ...(c.cloudwatch && r.destinations.cloudwatch ? { cloudwatch: r.destinations.cloudwatch.pattern } : {}),
      ...(c.datadog && r.destinations.datadog ? { datadog: r.destinations.datadog.query } : {}),
      ...(sentinelOn && r.destinations.sentinel
        ? { sentinel: r.destinations.sentinel.kql.replace(/\n/g, " ") }
        : {}),
    })),
  };
}
