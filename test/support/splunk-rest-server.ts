/**
 * A contract server for the Splunk REST endpoints (management port) the component and smoke use,
 * enforcing what Splunk documents: authentication (Bearer token, Basic, or a session key from
 * /services/auth/login; 401 otherwise), form-urlencoded bodies, output_mode=json answers shaped
 * `{ entry: [{ name, acl, content }], messages }`, indexes, HTTP Event Collector inputs, saved
 * searches (documented parameters only, validated: cron, severity 1-6, comparators, time
 * modifiers; 409 on a duplicate name) and the search export, which evaluates the SPL subset with
 * components/splunk/spl.ts over the events it is given. No package emulates Splunk: this is a
 * contract test, not a real Splunk (../shared/reference/sigma-and-splunk.md, part 2).
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { fieldsOf, type IndexedEvent, parseSpl, runSearch, SplError } from "../../components/splunk/spl";
import { isTimeModifier, resolveTime } from "../../components/splunk/time";
import { LoopbackServer } from "./loopback-server";
import { SAVED_SEARCH_DEFAULTS, savedSearchProblem, typedContent } from "./splunk-saved-search-rules";

export type { IndexedEvent };

export interface SplunkRestServerOptions {
  /** The events a search export looks through (e.g. what the HEC contract server indexed). */
  events?: () => IndexedEvent[];
  /** Accepted `Authorization: Bearer <token>` values. */
  tokens?: string[];
  /** Accepted users (Basic auth and /services/auth/login). */
  users?: Record<string, string>;
  tls?: { key: string; cert: string };
  /** Epoch seconds the time modifiers resolve against. */
  now?: () => number;
}

type Form = Map<string, string[]>;
interface Stored {
  owner: string;
  app: string;
  content: Record<string, unknown>;
}
class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}
const fail = (status: number, text: string) => new Reply(status, { messages: [{ type: "ERROR", text }] });

const INDEX_PARAMS = new Set([
  "datatype",
  "frozenTimePeriodInSecs",
  "maxTotalDataSizeMB",
  "homePath",
  "coldPath",
  "thawedPath",
]);
const HEC_PARAMS = new Set([
  "index",
  "indexes",
  "sourcetype",
  "source",
  "host",
  "useACK",
  "description",
  "disabled",
]);
const EXPORT_PARAMS = new Set(["search", "earliest_time", "latest_time", "output_mode"]);
const BOOL = /^(0|1|true|false)$/;

export class SplunkRestServer extends LoopbackServer {
  readonly indexes = new Map<string, Stored>();
  /** HEC tokens by name; content.token is the token value. */
  readonly hecTokens = new Map<string, Stored>();
  /** Saved searches by `<owner>/<app>/<name>`. */
  readonly savedSearches = new Map<string, Stored>();
  /** HEC itself (off by default on Splunk Enterprise, as here). */
  hecEnabled = false;
  /** Every authenticated request: method, path, and the body exactly as sent. */
  readonly requests: { method: string; path: string; body: string }[] = [];
  private readonly sessions = new Set<string>();
  private readonly tokens: string[];
  private readonly users: Record<string, string>;

  constructor(private readonly opts: SplunkRestServerOptions = {}) {
    super(opts.tls);
    this.tokens = opts.tokens ?? ["test-admin-token"];
    this.users = opts.users ?? { admin: "changeme" };
  }

  protected handle(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    let reply: Reply;
    try {
      reply = this.route(req, body.toString("utf8"));
    } catch (err) {
      reply = err instanceof Reply ? err : fail(500, (err as Error).message);
    }
    if (reply.body instanceof Buffer) {
      res.writeHead(reply.status, { "Content-Type": "application/json" }).end(reply.body);
      return;
    }
    res.writeHead(reply.status, { "Content-Type": "application/json" }).end(JSON.stringify(reply.body));
  }

  private route(req: IncomingMessage, text: string): Reply {
    const url = new URL(req.url ?? "/", this.origin);
    const method = req.method ?? "GET";
    const form = this.formOf(req, text);
    const outputMode = url.searchParams.get("output_mode") ?? form.get("output_mode")?.[0];
    if (outputMode !== "json") return fail(400, "this contract server answers output_mode=json only");
    const m = /^\/(?:services|servicesNS\/([^/]+)\/([^/]+))\/(.+)$/.exec(url.pathname);
    if (!m) return fail(404, `no endpoint ${url.pathname}`);
    const [owner, app] = [decodeURIComponent(m[1] ?? "nobody"), decodeURIComponent(m[2] ?? "search")];
    const rest = (m[3] as string).split("/").map(decodeURIComponent);
    if (rest.join("/") === "auth/login" && method === "POST") return this.login(form);
    if (!this.authorized(req.headers.authorization)) return fail(401, "call not properly authenticated");
    this.requests.push({ method, path: url.pathname, body: text });
    const what = rest.slice(0, -1).join("/");
    const name = rest.at(-1) as string;
    if (rest.join("/") === "data/inputs/http/http/enable" && method === "POST") {
      this.hecEnabled = true;
      return new Reply(200, { entry: [], messages: [] });
    }
    if (rest.join("/") === "search/jobs/export" && method === "POST") return this.export(form);
    const collections: Record<string, [Map<string, Stored>, (f: Form, create: boolean) => void, string]> = {
      "data/indexes": [this.indexes, (f, c) => this.checkIndex(f, c), ""],
      "data/inputs/http": [this.hecTokens, (f, c) => this.checkHec(f, c), "http://"],
      "saved/searches": [this.savedSearches, (f, c) => this.checkSavedSearch(f, c), ""],
    };
    const scoped = (n: string) =>
      rest[0] === "saved" ? `${owner}/${app}/${n}` : n.replace(/^http:\/\//, "");
    if (collections[rest.join("/")] && method === "POST") {
      const [store, check, prefix] = collections[rest.join("/")] as (typeof collections)[string];
      const n = form.get("name")?.[0];
      if (!n) return fail(400, 'Argument "name" is required');
      check(form, true);
      if (store.has(scoped(n))) return fail(409, `An object with name=${n} already exists`);
      const stored = { owner, app, content: this.contentOf(rest.join("/"), form, undefined) };
      store.set(scoped(n), stored);
      return new Reply(201, this.entry(prefix + n, stored));
    }
    const collection = collections[what];
    if (!collection) return fail(404, `no endpoint ${url.pathname} for ${method}`);
    const [store, check, prefix] = collection;
    const key = scoped(name);
    const stored = store.get(key);
    if (!stored) return fail(404, `Could not find object id=${name}`);
    if (method === "GET") return new Reply(200, this.entry(prefix + key.split("/").at(-1), stored));
    if (method === "DELETE") {
      store.delete(key);
      return new Reply(200, { entry: [], messages: [] });
    }
    if (form.has("name")) return fail(400, 'Argument "name" is not supported by this handler.');
    check(form, false);
    stored.content = this.contentOf(what, form, stored.content);
    return new Reply(200, this.entry(prefix + key.split("/").at(-1), stored));
  }

  private formOf(req: IncomingMessage, text: string): Form {
    const form: Form = new Map();
    if (text === "") return form;
    if (!String(req.headers["content-type"]).startsWith("application/x-www-form-urlencoded"))
      throw fail(400, "the body must be application/x-www-form-urlencoded");
    for (const [k, v] of new URLSearchParams(text)) form.set(k, [...(form.get(k) ?? []), v]);
    return form;
  }

  private authorized(header: string | undefined): boolean {
    const [scheme, value = ""] = (header ?? "").split(" ", 2);
    if (scheme === "Bearer") return this.tokens.includes(value);
    if (scheme === "Splunk") return this.sessions.has(value);
    if (scheme === "Basic") {
      const [user, password] = Buffer.from(value, "base64").toString("utf8").split(":", 2);
      return user !== undefined && this.users[user] !== undefined && this.users[user] === password;
    }
    return false;
  }

  private login(form: Form): Reply {
    const user = form.get("username")?.[0] ?? "";
    if (this.users[user] === undefined || this.users[user] !== form.get("password")?.[0])
      return new Reply(401, { messages: [{ type: "WARN", text: "Login failed" }] });
    const sessionKey = randomUUID();
    this.sessions.add(sessionKey);
    return new Reply(200, { sessionKey });
  }

  private unknown(form: Form, allowed: ReadonlySet<string>): void {
    for (const k of form.keys())
      if (k !== "name" && k !== "output_mode" && !allowed.has(k))
        throw fail(400, `Argument "${k}" is not supported by this handler.`);
  }

  private checkIndex(form: Form, create: boolean): void {
    this.unknown(form, INDEX_PARAMS);
    const name = form.get("name")?.[0];
    if (
      create &&
      name !== undefined &&
      (!/^[a-z0-9][a-z0-9_-]{0,79}$/.test(name) || name.includes("kvstore"))
    )
      throw fail(
        400,
        `Index name=${name}: index names must contain only lowercase letters, numbers, underscores or hyphens, and must begin with a lowercase letter or number`,
      );
    if (!create && form.has("datatype"))
      throw fail(400, "datatype cannot be changed after the index is created");
    const datatype = form.get("datatype")?.[0];
    if (datatype !== undefined && datatype !== "event" && datatype !== "metric")
      throw fail(400, `datatype must be event or metric, got ${datatype}`);
    const frozen = form.get("frozenTimePeriodInSecs")?.[0];
    if (frozen !== undefined && !/^\d+$/.test(frozen))
      throw fail(400, "frozenTimePeriodInSecs must be a whole number");
  }

  private checkHec(form: Form, _create: boolean): void {
    this.unknown(form, HEC_PARAMS);
    const index = form.get("index")?.[0];
    const allowed = (form.get("indexes") ?? []).flatMap((v) => v.split(",")).filter(Boolean);
    for (const i of [...allowed, ...(index ? [index] : [])])
      if (!this.indexes.has(i)) throw fail(400, `Index '${i}' does not exist`);
    if (index && allowed.length > 0 && !allowed.includes(index))
      throw fail(
        400,
        `The default index '${index}' must be one of the allowed indexes (${allowed.join(",")})`,
      );
    for (const k of ["useACK", "disabled"]) {
      const v = form.get(k)?.[0];
      if (v !== undefined && !BOOL.test(v)) throw fail(400, `${k} must be 0 or 1, got ${v}`);
    }
  }

  private checkSavedSearch(form: Form, create: boolean): void {
    const problem = savedSearchProblem(form, create);
    if (problem) throw fail(400, problem);
  }

  /** What GET answers: Splunk's defaults, then the fields set, typed as Splunk answers them. */
  private contentOf(collection: string, form: Form, before: Record<string, unknown> | undefined) {
    const values = Object.fromEntries([...form].filter(([k]) => k !== "output_mode" && k !== "name"));
    if (collection === "saved/searches")
      return { ...(before ?? SAVED_SEARCH_DEFAULTS), ...typedContent(values) };
    const updates: Record<string, unknown> = Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k, v.length === 1 ? v[0] : v]),
    );
    for (const k of ["frozenTimePeriodInSecs", "maxTotalDataSizeMB"])
      if (k in updates) updates[k] = Number(updates[k]);
    if (collection === "data/indexes")
      return {
        ...(before ?? { datatype: "event", frozenTimePeriodInSecs: 188697600, totalEventCount: 0 }),
        ...updates,
      };
    if (values.indexes) updates.indexes = values.indexes.flatMap((v) => v.split(",")).filter(Boolean);
    if ("useACK" in updates) updates.useACK = /^(1|true)$/.test(String(updates.useACK));
    return {
      ...(before ?? { token: randomUUID(), disabled: false, useACK: false, indexes: [] }),
      ...updates,
    };
  }

  private entry(name: string, s: Stored) {
    return {
      entry: [{ name, acl: { owner: s.owner, app: s.app, sharing: "app" }, content: s.content }],
      messages: [],
    };
  }

  private export(form: Form): Reply {
    this.unknown(form, EXPORT_PARAMS);
    const search = form.get("search")?.[0] ?? "";
    if (!/^\s*(search\s|\|)/.test(search))
      return fail(400, `Unknown search command '${/^\s*([A-Za-z_]*)/.exec(search)?.[1] ?? ""}'.`);
    const now = this.opts.now?.() ?? Date.now() / 1000;
    const bound = (k: string) => {
      const v = form.get(k)?.[0];
      if (v === undefined) return undefined;
      if (!isTimeModifier(v)) throw fail(400, `Invalid ${k}: ${v}`);
      return resolveTime(v, now);
    };
    const [earliest, latest] = [bound("earliest_time"), bound("latest_time")];
    let results: IndexedEvent[];
    try {
      const events = (this.opts.events?.() ?? []).filter(
        (e) => (earliest === undefined || e.time >= earliest) && (latest === undefined || e.time < latest),
      );
      results = runSearch(parseSpl(search), events, now);
    } catch (err) {
      if (err instanceof SplError) return fail(400, `Error in 'search' command: ${err.message}`);
      throw err;
    }
    const lines = results.map((e, i) => {
      const fields = Object.fromEntries([...fieldsOf(e)].map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
      const result = {
        ...fields,
        _raw: JSON.stringify(e.event),
        _time: new Date(e.time * 1000).toISOString().replace("Z", "+00:00"),
        splunk_server: "contract-server",
      };
      return JSON.stringify({
        preview: false,
        offset: i,
        ...(i === results.length - 1 ? { lastrow: true } : {}),
        result,
      });
    });
    return new Reply(200, Buffer.from(lines.map((l) => `${l}\n`).join("")));
  }
}
