/**
 * The stack's outputs contract, as zod, built from the registry: stacks/program.ts produces these
 * values, `plan` checks them offline and `keytos-siem smoke --outputs` reads them back from
 * `pulumi stack output --json --show-secrets`. One definition, so they cannot drift. Each
 * destination's outputs sit under its key; its secrets are separate top-level keys
 * (`<key><Name>`, e.g. cloudwatchApiKey): a secret inside an object would hide the whole object.
 */
import { z } from "zod";
import { type Destination, secretOutputName } from "../components/destination";
import { DESTINATIONS } from "../components/registry";

export const alertRuleOutput = z.object({
  key: z.string(),
  name: z.string(),
  severity: z.string(),
  window: z.string(),
  threshold: z.number(),
  destinations: z.array(z.string()),
});

type Registered = (typeof DESTINATIONS)[number];
type SecretKeys<D> = D extends { key: infer K extends string; secrets: readonly (infer S extends string)[] }
  ? `${K}${Capitalize<S>}`
  : never;

/** The outputs of a stack of these destinations. Unknown keys are kept out (other programs may add outputs). */
export function outputsSchemaFor(destinations: readonly Destination[]) {
  return z.object({
    customer: z.string(),
    policyFile: z.string(),
    alertRules: z.array(alertRuleOutput),
    ...Object.fromEntries(
      destinations.flatMap((d) => [
        [d.key, d.outputs.optional()],
        ...(d.secrets ?? []).map((s) => [secretOutputName(d.key, s), z.string().optional()]),
      ]),
    ),
  });
}

export type AlertRuleOutput = z.infer<typeof alertRuleOutput>;
/** The outputs of a stack of the registered destinations. */
export type StackOutputValues = {
  customer: string;
  policyFile: string;
  alertRules: AlertRuleOutput[];
} & { [D in Registered as D["key"]]?: z.output<D["outputs"]> } & {
  [K in SecretKeys<Registered>]?: string;
};

/** The outputs contract of the registered destinations. */
export const stackOutputsSchema = outputsSchemaFor(DESTINATIONS) as unknown as z.ZodType<StackOutputValues>;

/** Names of the secret outputs these destinations export. */
export const secretOutputNames = (destinations: readonly Destination[] = DESTINATIONS) =>
  destinations.flatMap((d) => (d.secrets ?? []).map((s) => secretOutputName(d.key, s)));
