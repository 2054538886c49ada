/**
 * Typed stack configuration (namespace `keytos-siem`), validated before any resource exists.
 * A destination is enabled by its key: `keytos-siem:cloudwatch`, `keytos-siem:datadog`,
 * `keytos-siem:azure`, `keytos-siem:kafka` (structured values: `pulumi config set --path
 * 'keytos-siem:cloudwatch.region' us-east-1`). Every problem is reported at once, naming the
 * config key and how to set it; the destinations' own checks run here too, so a bad value never
 * gets as far as a half-created stack. Plain values only: the program branches on these.
 */
import path from "node:path";
import { z } from "zod";
import { resolveSentinelSettings, SentinelArgsError, type SentinelSettings } from "../components/azure/args";
import {
  CloudWatchArgsError,
  type CloudWatchSettings,
  resolveCloudWatchSettings,
} from "../components/cloudwatch/args";
import { strict } from "../components/config/yaml-file";
import { DATADOG_SITES } from "../components/datadog/site";
import { type KafkaSettings, KafkaSettingsError, resolveKafkaSettings } from "../components/kafka/settings";
import { type CompiledPolicy, loadPolicy } from "../components/policy";

export const NAMESPACE = "keytos-siem";
export const STACK_DESTINATIONS = ["cloudwatch", "datadog", "azure", "kafka"] as const;
export type StackDestination = (typeof STACK_DESTINATIONS)[number];

// `pulumi config set --path` may store numbers and booleans as text: accept both spellings.
const int = () => z.preprocess((v) => (typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v), z.int());
const bool = () =>
  z.preprocess(
    (v) => (v === "true" ? true : v === "false" ? false : v),
    z.boolean({ error: "must be true or false" }),
  );
const text = () => z.string().min(1, { error: "must not be empty" });
const tags = () => z.record(z.string(), z.string());

const cloudwatch = strict({
  region: text(),
  logGroupName: text().optional(),
  logStreamName: text().optional(),
  retentionInDays: int().optional(),
  kmsKeyArn: text().optional(),
  apiKey: bool().optional(),
  apiKeyAgeDays: int().optional(),
  apiKeyLabels: z.array(text()).optional(),
  alarmTopicArn: text().optional(),
  tags: tags().optional(),
});

const datadog = strict({
  site: z.enum(DATADOG_SITES, { error: `must be a Datadog site: ${DATADOG_SITES.join(", ")}` }),
  /** Create an API key for the sender (default true). */
  apiKey: bool().optional(),
});

const azure = strict({
  location: text(),
  workspaceId: text().optional(),
  createWorkspace: strict({
    resourceGroupName: text(),
    name: text().optional(),
    sku: z.enum(["PerGB2018", "CapacityReservation"]).optional(),
    capacityReservationLevel: int().optional(),
    retentionInDays: int().optional(),
  }).optional(),
  ingestion: z.enum(["dce", "direct"]).optional(),
  sender: strict({
    appId: text().optional(),
    principalId: text().optional(),
    principalType: z.enum(["ServicePrincipal", "User", "Group"]).optional(),
  }).optional(),
  resourceGroupRoles: bool().optional(),
  sentinel: z.enum(["onboard", "onboarded", "none"]).optional(),
  tableRetentionDays: int().optional(),
  tableTotalRetentionDays: int().optional(),
  tags: tags().optional(),
});

const kafka = strict({
  bootstrapServers: z.array(text()).min(1, { error: "must list at least one host:port" }),
  topic: text().optional(),
  partitions: int().optional(),
  replicationFactor: int().optional(),
  retentionMs: int().optional(),
  cleanupPolicy: z.enum(["delete", "compact", "compact,delete"]).optional(),
  minInsyncReplicas: int().optional(),
  maxMessageBytes: int().optional(),
  senderUsername: text(),
  clusterIdempotentWrite: bool().optional(),
});

export const stackConfigSchema = strict({
  customer: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, {
    error: "must be 1-40 lower-case letters, digits and dashes, e.g. contoso",
  }),
  policyFile: text().optional(),
  cloudwatch: cloudwatch.optional(),
  datadog: datadog.optional(),
  azure: azure.optional(),
  kafka: kafka.optional(),
});

export interface StackConfig {
  customer: string;
  /** Absolute path of the alert policy. */
  policyFile: string;
  cloudwatch?: CloudWatchSettings;
  datadog?: z.output<typeof datadog>;
  azure?: SentinelSettings;
  kafka?: KafkaSettings;
}

export interface ResolvedStack {
  config: StackConfig;
  policy: CompiledPolicy;
  destinations: StackDestination[];
}

export class StackConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid stack configuration:\n  ${problems.join("\n  ")}`);
    this.name = "StackConfigError";
  }
}

const key = (p: readonly PropertyKey[]) => `${NAMESPACE}:${p.map(String).join(".")}`;
const howToSet = (p: readonly PropertyKey[]) => `pulumi config set --path '${key(p)}' <value>`;

/**
 * Validates raw config (keys without the namespace, values as Pulumi returns them), loads and
 * compiles the policy, and runs each enabled destination's own checks. Throws StackConfigError
 * with every problem.
 */
export function resolveStack(raw: Record<string, unknown>, projectRoot: string): ResolvedStack {
  const parsed = stackConfigSchema.safeParse({ customer: "default", ...raw });
  if (!parsed.success) {
    throw new StackConfigError(
      parsed.error.issues.map((i) => {
        const where = i.path.length > 0 ? key(i.path) : NAMESPACE;
        const fix =
          i.code === "unrecognized_keys"
            ? `pulumi config rm --path '${key([...i.path, ...i.keys.slice(0, 1)])}'`
            : howToSet(i.path);
        return `${where}: ${i.message} (${fix})`;
      }),
    );
  }
  const c = parsed.data;
  const problems: string[] = [];
  const destinations = STACK_DESTINATIONS.filter((d) => c[d] !== undefined);
  if (destinations.length === 0) {
    problems.push(
      `no destination is enabled: set at least one of ${STACK_DESTINATIONS.map((d) => `${NAMESPACE}:${d}`).join(", ")} ` +
        `(e.g. pulumi config set --path '${NAMESPACE}:cloudwatch.region' us-east-1)`,
    );
  }
  const file = c.policyFile ?? "policies/default.yaml";
  const policyFile = path.isAbsolute(file) ? file : path.join(projectRoot, file);
  let policy: CompiledPolicy = { rules: [], unalerted: [] };
  try {
    policy = loadPolicy(policyFile);
  } catch (err) {
    problems.push(`${NAMESPACE}:policyFile ${JSON.stringify(file)}: ${(err as Error).message}`);
  }
  const check = (d: StackDestination, run: () => unknown) => {
    try {
      run();
    } catch (err) {
      if (
        err instanceof CloudWatchArgsError ||
        err instanceof SentinelArgsError ||
        err instanceof KafkaSettingsError
      ) {
        problems.push(...err.problems.map((p) => `${NAMESPACE}:${d}.${p}`));
      } else throw err;
    }
  };
  if (c.cloudwatch)
    check("cloudwatch", () => resolveCloudWatchSettings(c.cloudwatch as CloudWatchSettings, c.customer));
  if (c.azure)
    check("azure", () => resolveSentinelSettings(c.azure as SentinelSettings, c.customer, policy.rules));
  if (c.kafka) check("kafka", () => resolveKafkaSettings(c.kafka as KafkaSettings));
  if (problems.length > 0) throw new StackConfigError(problems);
  return {
    config: { ...(c as Omit<StackConfig, "policyFile">), customer: c.customer, policyFile } as StackConfig,
    policy,
    destinations,
  };
}

/** Raw config of the namespace from a `config:` map as Pulumi.<stack>.yaml holds it. */
export function namespaceConfig(all: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(all)
      .filter(([k]) => k.startsWith(`${NAMESPACE}:`))
      .map(([k, v]) => [k.slice(NAMESPACE.length + 1), v]),
  );
}
