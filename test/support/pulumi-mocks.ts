/**
 * Pulumi unit-test mocks shared by the component tests: every registered resource is recorded
 * (type, name, inputs); its state is its inputs plus what `computed` adds for that resource
 * (ARNs, generated keys). Call before importing the program or component under test.
 */
import * as pulumi from "@pulumi/pulumi";

export type Registered = { type: string; name: string; inputs: Record<string, unknown> };
type ResourceArgs = { type: string; name: string; inputs: Record<string, unknown> };

export async function recordResources(
  computed: (args: ResourceArgs) => Record<string, unknown> = () => ({}),
): Promise<Registered[]> {
  const registered: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: { ...args.inputs, ...computed(args) } };
      },
      call: (args) => args.inputs,
    },
    "keytos-siem",
    "test",
    false,
  );
  return registered;
}

/** The value of an Output (mocks resolve them). */
export const output = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));
