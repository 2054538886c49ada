/**
 * Pulumi unit-test mocks shared by the component tests: every registered resource is recorded
 * (type, name, inputs); its state is its inputs plus what `computed` adds for that resource
 * (ARNs, generated keys; an `id` it returns becomes the resource id). Call before importing the
 * program or component under test.
 */
import * as pulumi from "@pulumi/pulumi";

export type Registered = { type: string; name: string; inputs: Record<string, unknown> };
type ResourceArgs = { type: string; name: string; inputs: Record<string, unknown> };

/** Invokes (data sources) answer with `invoke(token, inputs)`, or echo their inputs. */
export async function recordResources(
  computed: (args: ResourceArgs) => Record<string, unknown> = () => ({}),
  invoke: (token: string, inputs: Record<string, unknown>) => Record<string, unknown> | undefined = () =>
    undefined,
): Promise<Registered[]> {
  const registered: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        const { id, ...state } = computed(args);
        return { id: typeof id === "string" ? id : `${args.name}-id`, state: { ...args.inputs, ...state } };
      },
      call: (args) => invoke(args.token, args.inputs) ?? args.inputs,
    },
    "keytos-siem",
    "test",
    false,
  );
  return registered;
}

/** The value of an Output (mocks resolve them). */
export const output = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));
