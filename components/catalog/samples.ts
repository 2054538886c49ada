/**
 * Realistic sample events for every (product, id) in the catalog, used by tests, benchmarks and
 * the post-deploy smoke test. Deterministic for a given seed, so tests and benchmarks are
 * repeatable; every sample passes the envelope schema.
 */
import { hash } from "node:crypto";
import type { Envelope } from "./envelope";
import { CATALOG, type CatalogEvent, findEvent, type Product, sourcetypeOf } from "./events";
import { PRODUCT_FACTS } from "./products";

/** Small, fast, seedable PRNG (mulberry32): reproducible samples without a dependency. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pickOne = <T>(rand: Rand, list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
/** n hex digits, 8 per PRNG draw (a stream of a million events draws tens of millions). */
const hex = (rand: Rand, n: number): string => {
  let s = "";
  while (s.length < n)
    s += Math.floor(rand() * 2 ** 32)
      .toString(16)
      .padStart(8, "0");
  return s.slice(0, n);
};

/**
 * A RecordId named by `name`: an RFC 9562 version-8 UUID holding 122 bits of the name's SHA-256
 * (the RFC's name-based v8 example). The same name gives the same id, so samples stay
 * reproducible; distinct names collide with probability about n^2 / 2^123 (none in 10^15 ids),
 * as random UUIDs do. The 32-bit PRNG seed must not pick RecordIds: by the birthday bound a
 * stream of a million repeats about 116 of them, and receivers de-duplicate on RecordId.
 */
export function recordIdFor(name: string): string {
  const h = hash("sha256", name, "hex");
  const variant = ((Number.parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const USERS = [
  "alice.ng@contoso.com",
  "bob.ramirez@contoso.com",
  "svc-pki-automation@contoso.com",
  "eve@contoso.com",
];
const CAS = [
  { name: "Contoso Issuing CA 01", id: "ca-2f6c1e0a" },
  { name: "Contoso Device Issuing CA", id: "ca-7b90d3c4" },
  { name: "Contoso Root CA G2", id: "ca-00a1b2c3" },
];
const TEMPLATES = ["WebServer-TLS", "Intune-Device", "CodeSigning", "SmartcardLogon"];
const DOMAINS = [
  "contoso.com",
  "www.contoso.com",
  "portal.contoso.com",
  "api.contoso.com",
  "vpn.contoso.com",
];
const LOOKALIKES = ["c0ntoso.com", "contoso-login.com", "contoso.co", "contosso.net"];

function ezcaBody(event: CatalogEvent, rand: Rand, recordId: string): Envelope["event"] {
  const ca = pickOne(rand, CAS);
  const user = pickOne(rand, USERS);
  const body: Record<string, unknown> = {
    EventID: event.id,
    RecordId: recordId,
    Summary: event.summary,
    Criticality: event.criticality,
    User: user,
    ClientIP: `203.0.113.${1 + Math.floor(rand() * 254)}`,
    CAName: ca.name,
    CAId: ca.id,
    SubscriptionId: "5f0c8a9e-3b1d-4c2e-9a7f-1d2e3f4a5b6c",
    Details: `${event.description}. Performed by ${user} on ${ca.name} through the EZCA portal.`,
  };
  if (event.category === "certificate") {
    const host = pickOne(rand, DOMAINS);
    Object.assign(body, {
      CertificateSubject: `CN=${host}, O=Contoso Ltd, C=US`,
      SerialNumber: hex(rand, 32),
      Thumbprint: hex(rand, 40).toUpperCase(),
      TemplateName: pickOne(rand, TEMPLATES),
    });
  }
  return body as Envelope["event"];
}

function ezmonitorBody(event: CatalogEvent, rand: Rand, recordId: string): Envelope["event"] {
  const domain =
    event.category === "certificate-transparency" && event.id <= 13
      ? pickOne(rand, LOOKALIKES)
      : pickOne(rand, DOMAINS);
  const notAfter = new Date(Date.UTC(2027, Math.floor(rand() * 12), 1 + Math.floor(rand() * 28)));
  return {
    VulnerabilityID: event.id,
    RecordId: recordId,
    Summary: event.summary,
    Criticality: event.criticality,
    AlertCategory: event.category,
    Domain: domain,
    Endpoint: `${domain}:443`,
    Thumbprint: hex(rand, 40).toUpperCase(),
    Issuer: pickOne(rand, ["CN=Contoso Issuing CA 01", "CN=R11, O=Let's Encrypt, C=US", "CN=Unknown CA"]),
    NotAfter: notAfter.toISOString(),
    Details: event.description,
  } as Envelope["event"];
}

export interface SampleOptions {
  /** PRNG seed; the same seed gives the same events. */
  seed?: number;
  /** Epoch seconds of the (first) event; defaults to a fixed instant so samples are reproducible. */
  time?: number;
  host?: string;
}

/** Base instant for reproducible samples: 2026-01-15T12:00:00Z. */
export const SAMPLE_EPOCH = 1768478400;

/** One realistic envelope for a catalog event. Throws on an unknown (product, id). */
export function sampleEvent(product: Product, id: number, opts: SampleOptions = {}): Envelope {
  const seed = opts.seed ?? id * 7919 + (product === "EZCA" ? 1 : 2);
  return build(
    product,
    id,
    prng(seed),
    recordIdFor(`keytos-siem sample ${product}:${id} seed ${seed}`),
    opts,
  );
}

function build(product: Product, id: number, rand: Rand, recordId: string, opts: SampleOptions): Envelope {
  const event = findEvent(product, id);
  if (!event) throw new Error(`no catalog event ${product}:${id}; run \`keytos-siem catalog\` to list them`);
  const body = product === "EZCA" ? ezcaBody(event, rand, recordId) : ezmonitorBody(event, rand, recordId);
  return {
    time: opts.time ?? SAMPLE_EPOCH,
    host: opts.host ?? PRODUCT_FACTS[product].host,
    source: product,
    sourcetype: sourcetypeOf(event),
    event: body,
  } as Envelope;
}

/** One sample per catalog event, in catalog order. */
export function sampleCatalog(opts: SampleOptions = {}): Envelope[] {
  return CATALOG.map((e) => sampleEvent(e.product, e.id, opts));
}

/**
 * A stream of `count` events cycling through the catalog with increasing times (one per
 * millisecond from `time`), for load tests and benchmarks. Event i's RecordId is named by the
 * stream's seed and i: distinct within the stream, from other seeds' streams and from
 * sampleEvent's; the same seed gives the same stream.
 */
export function* sampleStream(count: number, opts: SampleOptions = {}): Generator<Envelope> {
  const seed = opts.seed ?? 42;
  const rand = prng(seed);
  const start = opts.time ?? SAMPLE_EPOCH;
  for (let i = 0; i < count; i++) {
    const event = CATALOG[i % CATALOG.length] as CatalogEvent;
    const bodyRand = prng(Math.floor(rand() * 2 ** 32)); // bodies may repeat; RecordIds may not
    const recordId = recordIdFor(`keytos-siem stream ${seed} #${i}`);
    yield build(event.product, event.id, bodyRand, recordId, { ...opts, time: start + i / 1000 });
  }
}
