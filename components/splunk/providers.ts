/**
 * Dynamic providers for the three Splunk objects the destination creates (no Pulumi Splunk
 * package installs from npm): an index, a HEC token, a saved search. One shape each: a name, the
 * REST settings as form fields, the connection and the admin credential. Idempotent: the same
 * inputs send the same form (sorted keys), read() answers the live settings in the same text form,
 * so a re-run or a refresh with nothing changed shows no diff. The credential is an input (a
 * Pulumi secret, kept only encrypted, so delete can authenticate) and the HEC token a secret output.
 */
import * as pulumi from "@pulumi/pulumi";
import { splunkType } from "./plan";
import {
  asFormValue,
  type Form,
  firstEntry,
  type SplunkConnection,
  type SplunkEntry,
  splunkRequest,
} from "./rest";

export interface SplunkObjectInputs {
  connection: SplunkConnection;
  /** The Authorization header value: `Bearer <token>` or `Basic <base64>` (a Pulumi secret). */
  authorization: string;
  name: string;
  /** Namespace of saved searches (`servicesNS/<owner>/<app>`). */
  owner?: string;
  app?: string;
  /** The REST settings, as sent (text, or a list for repeated fields). */
  settings: Form;
}

export interface SplunkObjectOutputs extends SplunkObjectInputs {
  /** The HEC token value (HEC tokens only). */
  token?: string;
}

interface Kind {
  /** The entity collection the create POST goes to. */
  collection(i: SplunkObjectInputs): string;
  /** Fields only create sends (fixed at creation). */
  createOnly?: Form;
  /** Called before create (e.g. HEC enabled globally). */
  beforeCreate?(i: SplunkObjectInputs): Promise<void>;
  /** Outputs read from the created or live entity beyond the settings. */
  outs?(entry: SplunkEntry): Partial<SplunkObjectOutputs>;
}

const seg = encodeURIComponent;
const HEC_INPUTS = "/servicesNS/nobody/splunk_httpinput/data/inputs/http";

export const SPLUNK_KINDS = {
  SplunkIndex: { collection: () => "/services/data/indexes", createOnly: { datatype: "event" } },
  SplunkHecToken: {
    collection: () => HEC_INPUTS,
    // A token works only once HEC itself is on (off by default on Splunk Enterprise); enabling is idempotent.
    beforeCreate: async (i) => {
      await splunkRequest(i.connection, i.authorization, "POST", `${HEC_INPUTS}/http/enable`, {});
    },
    outs: (entry) => ({ token: String(entry.content.token ?? "") }),
  },
  SplunkSavedSearch: {
    collection: (i) => `/servicesNS/${seg(i.owner ?? "nobody")}/${seg(i.app ?? "search")}/saved/searches`,
  },
} satisfies Record<string, Kind>;

export type SplunkKind = keyof typeof SPLUNK_KINDS;

const entityPath = (kind: Kind, i: SplunkObjectInputs) => `${kind.collection(i)}/${seg(i.name)}`;

/** The live settings in the form they were sent: lists stay lists, the rest text. */
function liveSettings(content: Record<string, unknown>, wanted: Form): Form {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(wanted)) {
    const live = content[key];
    if (typeof value === "string") out[key] = asFormValue(live);
    else
      out[key] = (Array.isArray(live) ? live : live === undefined || live === "" ? [] : [live]).map(
        asFormValue,
      );
  }
  return out;
}

/** Inputs only (outputs such as the token are not compared), in a stable text form. */
const stable = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(
          Object.keys(x)
            .sort()
            .map((k) => [k, (x as Record<string, unknown>)[k]]),
        )
      : x,
  );

/** Fields that name the object (or where it lives): changing one replaces it. */
const IDENTITY = ["name", "owner", "app"] as const;

export function splunkProvider(kindName: SplunkKind): pulumi.dynamic.ResourceProvider {
  const kind: Kind = SPLUNK_KINDS[kindName];
  return {
    async create(i: SplunkObjectInputs) {
      await kind.beforeCreate?.(i);
      const form = { ...kind.createOnly, ...i.settings, name: i.name };
      const r = await splunkRequest(i.connection, i.authorization, "POST", kind.collection(i), form);
      const entry = firstEntry(r.body, `creating ${kindName} ${i.name}`);
      return { id: i.name, outs: { ...i, ...kind.outs?.(entry) } };
    },
    async read(id: string, props: SplunkObjectOutputs) {
      const r = await splunkRequest(props.connection, props.authorization, "GET", entityPath(kind, props));
      if (r.status === 404) return {}; // gone: Pulumi drops it from the state on refresh
      const entry = firstEntry(r.body, `reading ${kindName} ${props.name}`);
      return {
        id,
        props: { ...props, settings: liveSettings(entry.content, props.settings), ...kind.outs?.(entry) },
      };
    },
    async diff(_id: string, olds: SplunkObjectOutputs, news: SplunkObjectInputs) {
      const replaces: string[] = IDENTITY.filter((k) => olds[k] !== news[k]);
      if (olds.connection.url !== news.connection.url) replaces.push("connection");
      const inputs = (x: SplunkObjectInputs) => stable([x.connection, x.authorization, x.settings]);
      return { changes: replaces.length > 0 || inputs(olds) !== inputs(news), replaces };
    },
    async update(_id: string, olds: SplunkObjectOutputs, news: SplunkObjectInputs) {
      const r = await splunkRequest(
        news.connection,
        news.authorization,
        "POST",
        entityPath(kind, news),
        news.settings,
      );
      const entry = r.body.entry?.[0];
      return { outs: { ...news, ...(entry ? kind.outs?.(entry) : { token: olds.token }) } };
    },
    async delete(_id: string, props: SplunkObjectOutputs) {
      // Already gone (deleted by hand) is the state delete wants: splunkRequest answers 404 without throwing.
      await splunkRequest(props.connection, props.authorization, "DELETE", entityPath(kind, props));
    },
  };
}

/** What stands for the provider's serialized code in a plan. */
export const PLANNED_PROVIDER = "(the provider's code, serialized on deploy)";

export type SplunkObjectArgs = { [K in keyof SplunkObjectInputs]: pulumi.Input<SplunkObjectInputs[K]> };

type Registered = pulumi.CustomResource & { token: pulumi.Output<string | undefined> };

class SplunkObject extends pulumi.dynamic.Resource {
  constructor(kind: SplunkKind, name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    super(splunkProvider(kind), name, props, opts, "keytos-siem", kind);
  }
}

/**
 * As `plan` registers it (DeployContext.planOnly): the same type, name and inputs, the provider's
 * code left unserialized (serializing turns the V8 debugger on for the rest of the process).
 */
class PlannedSplunkObject extends pulumi.CustomResource {
  constructor(kind: SplunkKind, name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    super(splunkType(kind), name, { ...props, __provider: PLANNED_PROVIDER }, opts);
  }
}

/** Registers one Splunk object; the credential and the HEC token stay Pulumi secrets. */
export function splunkObject(
  kind: SplunkKind,
  name: string,
  args: SplunkObjectArgs,
  opts: pulumi.CustomResourceOptions & { planOnly?: boolean },
): Registered {
  const { planOnly, ...rest } = opts;
  const secret = ["authorization", ...(kind === "SplunkHecToken" ? ["token"] : [])];
  const resourceOpts = { ...rest, additionalSecretOutputs: secret };
  // `token: undefined` declares the output, so the resource has a `token` property to read.
  const props = { ...args, authorization: pulumi.secret(args.authorization), token: undefined };
  return (planOnly
    ? new PlannedSplunkObject(kind, name, props, resourceOpts)
    : new SplunkObject(kind, name, props, resourceOpts)) as unknown as Registered;
}
