import { describe, expect, it } from "vitest";
import { toSentinelRow } from "../components/azure/shape";
import { SENTINEL_TABLES } from "../components/azure/tables";
import {
  CATALOG,
  type CatalogEvent,
  checkEnvelope,
  eventKey,
  findEvent,
  sampleCatalog,
  sampleEvent,
  sampleStream,
  sourcetypeOf,
} from "../components/catalog";
import { toCloudWatchEvent } from "../components/cloudwatch/shape";
import { toDatadogLog } from "../components/datadog/shape";
import { toKafkaRecord } from "../components/kafka/shape";
import { taggedTestEvent } from "../exporter/smoke/result";

const ids = (product: string, category: string) =>
  CATALOG.filter((e) => e.product === product && e.category === category).map((e) => e.id);

describe("event catalog", () => {
  it("holds every event of the guides, by product and category, in the guides' order", () => {
    expect(ids("EZCA", "ca")).toEqual([4882, 92, 23, 19, 28, 22, 12]);
    expect(ids("EZCA", "certificate")).toEqual([4888, 4870, 4872, 4887]);
    expect(ids("EZMonitor", "certificate-transparency")).toEqual([12, 13, 18, 20, 25, 29]);
    expect(ids("EZMonitor", "network-scan")).toEqual([19, 26, 27, 28, 40, 41, 42, 68, 99]);
    expect(ids("EZMonitor", "internal-network-scan")).toEqual([30, 31, 32, 33, 34, 35, 36, 37]);
    expect(CATALOG).toHaveLength(34);
  });

  it("keys events by (product, id): overlapping ids stay distinct", () => {
    const keys = new Set(CATALOG.map((e) => eventKey(e.product, e.id)));
    expect(keys.size).toBe(CATALOG.length);
    for (const id of [12, 19, 28]) {
      expect(findEvent("EZCA", id)?.summary).not.toBe(findEvent("EZMonitor", id)?.summary);
    }
  });

  it("keeps the guides' criticality for EZCA", () => {
    const high = CATALOG.filter((e) => e.product === "EZCA" && e.criticality === "High").map((e) => e.id);
    expect(high).toEqual([4882, 92, 23, 19, 4888]);
    expect(findEvent("EZCA", 4870)?.criticality).toBe("Medium");
    expect(findEvent("EZCA", 4872)?.criticality).toBe("Low");
    expect(CATALOG.filter((e) => e.product === "EZCA").every((e) => e.criticalitySource === "guide")).toBe(
      true,
    );
  });

  it("gives every EZMonitor alert a toolkit criticality with a one-line reason", () => {
    for (const e of CATALOG.filter((x) => x.product === "EZMonitor")) {
      expect(e.criticalitySource).toBe("toolkit");
      expect(e.criticalityReason.length).toBeGreaterThan(20);
      expect(e.criticalityReason).not.toContain("\n");
    }
    expect(findEvent("EZMonitor", 18)?.criticality).toBe("High"); // domain takeover
  });

  it("maps categories to the vendor's sourcetypes", () => {
    expect(sourcetypeOf(findEvent("EZCA", 4882) as CatalogEvent)).toBe("EZCA_CAs");
    expect(sourcetypeOf(findEvent("EZCA", 4888) as CatalogEvent)).toBe("EZCA_Certificates");
    expect(sourcetypeOf(findEvent("EZMonitor", 18) as CatalogEvent)).toBe("EZMonitor_Alerts");
  });
});

describe("envelope", () => {
  it("accepts a sample of every catalog event", () => {
    for (const env of sampleCatalog()) expect(checkEnvelope(env)).toMatchObject({ ok: true });
  });

  it("rejects malformed events with a reason naming the field", () => {
    const good = sampleEvent("EZCA", 4888);
    const cases: [unknown, RegExp][] = [
      [{ ...good, time: "yesterday" }, /^time: /],
      [{ ...good, source: "EZPKI" }, /source/],
      [{ ...good, event: { ...good.event, RecordId: "nope" } }, /event\.RecordId: must be a UUID/],
      [{ ...good, event: { ...good.event, EventID: -1 } }, /event\.EventID/],
      [
        { ...good, sourcetype: "EZCA_CAs" },
        /sourcetype: EZCA event 4888 is a certificate event: sourcetype must be "EZCA_Certificates"/,
      ],
      [{ ...sampleEvent("EZMonitor", 18), sourcetype: "EZCA_CAs" }, /sourcetype/],
      [{ ...good, host: "" }, /^host: /],
      [null, /\(event\)/],
    ];
    for (const [value, reason] of cases) {
      const res = checkEnvelope(value);
      expect(res.ok).toBe(false);
      if (!res.ok) expect(res.reason).toMatch(reason);
    }
  });

  it("keeps unknown extra event fields and accepts ids not yet in the catalog", () => {
    const env = sampleEvent("EZCA", 4888);
    const res = checkEnvelope({ ...env, event: { ...env.event, EventID: 5000, NewField: "x" } });
    expect(res.ok && (res.envelope.event as Record<string, unknown>).NewField).toBe("x");
  });
});

describe("samples", () => {
  it("are deterministic for a seed and distinct across seeds", () => {
    expect(sampleEvent("EZCA", 4888, { seed: 7 })).toEqual(sampleEvent("EZCA", 4888, { seed: 7 }));
    expect(sampleEvent("EZCA", 4888, { seed: 7 }).event.RecordId).not.toBe(
      sampleEvent("EZCA", 4888, { seed: 8 }).event.RecordId,
    );
  });

  it("stream: unique record ids, increasing times, ~0.5 KB each, every event valid", () => {
    const events = [...sampleStream(2000, { seed: 1 })];
    expect(new Set(events.map((e) => e.event.RecordId)).size).toBe(2000);
    expect(events.every((e, i) => i === 0 || e.time > (events[i - 1]?.time ?? 0))).toBe(true);
    const avg = events.reduce((n, e) => n + JSON.stringify(e).length, 0) / events.length;
    expect(avg).toBeGreaterThan(350);
    expect(avg).toBeLessThan(800);
    expect(events.every((e) => checkEnvelope(e).ok)).toBe(true);
  });

  it("a million events from one seed have a million RecordIds; the same seed, the same stream", () => {
    const seen = new Set<string>();
    for (const e of sampleStream(1_000_000, { seed: 7 })) seen.add(e.event.RecordId);
    expect(seen.size).toBe(1_000_000);
    const first = (seed: number) => [...sampleStream(100, { seed })].map((e) => e.event.RecordId);
    expect(first(7)).toEqual(first(7));
    expect(first(7)[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  }, 120_000);

  it("streams of different seeds, sampleEvent and smoke-test events never share a RecordId", () => {
    const stream = (seed: number) => [...sampleStream(50_000, { seed })].map((e) => e.event.RecordId);
    const ids = new Set(stream(7));
    expect(stream(8).filter((id) => ids.has(id))).toEqual([]);
    // sampleEvent's ids, for any seed, are named apart from the streams'.
    for (const seed of [7, 8, undefined]) {
      const catalog = sampleCatalog(seed === undefined ? {} : { seed }).map((e) => e.event.RecordId);
      expect(new Set(catalog).size).toBe(CATALOG.length);
      expect(catalog.filter((id) => ids.has(id))).toEqual([]);
    }
    // Smoke tests tag a random UUID per run, never a sample's.
    const smoke = Array.from({ length: 1000 }, () => taggedTestEvent().recordId);
    expect(new Set(smoke).size).toBe(1000);
    expect(smoke).not.toContain(sampleEvent("EZCA", 4888).event.RecordId);
  });

  it("throws on an unknown event", () => {
    expect(() => sampleEvent("EZCA", 1)).toThrow(/no catalog event EZCA:1/);
  });
});

describe("per-destination mappings", () => {
  const env = sampleEvent("EZCA", 4888, { time: 1768478400.123 });

  it("CloudWatch: the message is the envelope (sorted keys), timestamp in ms", () => {
    const cw = toCloudWatchEvent(env);
    expect(cw.timestamp).toBe(1768478400123);
    expect(JSON.parse(cw.message)).toEqual(env);
    expect(cw.message.indexOf('"event"')).toBeLessThan(cw.message.indexOf('"host"'));
  });

  it("Datadog: service is the product, event attributes at the top level", () => {
    const log = toDatadogLog(env);
    expect(log).toMatchObject({
      service: "EZCA",
      EventID: 4888,
      hostname: env.host,
      ddsource: "keytos",
      status: "error",
    });
    expect(log.ddtags).toContain("event_id:4888");
    expect(toDatadogLog(sampleEvent("EZMonitor", 18))).toMatchObject({
      service: "EZMonitor",
      VulnerabilityID: 18,
    });
  });

  it("Datadog: message and status from the event, else the catalog, else the product and id", () => {
    const bare = (e: ReturnType<typeof sampleEvent>, over: Record<string, unknown> = {}) => {
      const { Summary: _s, Criticality: _c, ...event } = e.event;
      return { ...e, event: { ...event, ...over } } as typeof e;
    };
    expect(toDatadogLog(bare(sampleEvent("EZMonitor", 25)))).toMatchObject({
      message: "A new sub domain was registered.",
      status: "notice",
    });
    expect(toDatadogLog(bare(sampleEvent("EZCA", 4870)))).toMatchObject({ status: "warn" });
    // The event's own fields win (a re-rated or reworded event).
    expect(
      toDatadogLog(bare(sampleEvent("EZMonitor", 30), { Summary: "Port 22 open", Criticality: "High" })),
    ).toMatchObject({ message: "Port 22 open", status: "error" });
    expect(toDatadogLog(bare(sampleEvent("EZMonitor", 30), { VulnerabilityID: 77 }))).toMatchObject({
      message: "EZMonitor Vulnerability ID 77",
      status: "info",
    });
  });

  it("Sentinel: row for the right table, only declared columns, typed values", () => {
    for (const e of sampleCatalog()) {
      const { table, row } = toSentinelRow(e);
      expect(table).toBe(SENTINEL_TABLES[e.sourcetype]);
      const declared = new Map(table.columns.map((c) => [c.name, c.type]));
      for (const [name, value] of Object.entries(row)) {
        expect(declared.has(name), `${table.name}.${name}`).toBe(true);
        expect(typeof value).toBe(declared.get(name) === "real" ? "number" : "string");
      }
      expect(row[table.idColumn]).toBe(e.source === "EZCA" ? e.event.EventID : e.event.VulnerabilityID);
    }
    const { row } = toSentinelRow(env);
    expect(row.TimeGenerated).toBe("2026-01-15T12:00:00.123Z");
    expect(row.EventID_d).toBe(4888);
  });

  it("Sentinel: unmapped event fields land in AdditionalData_s as sorted JSON", () => {
    const { row } = toSentinelRow({ ...env, event: { ...env.event, Zeta: 1, Alpha: "a" } } as typeof env);
    expect(row.AdditionalData_s).toBe('{"Alpha":"a","Zeta":1}');
  });

  it("Kafka: key keeps one CA's events together, headers carry source, sourcetype and ids", () => {
    const rec = toKafkaRecord(env);
    expect(rec.key).toBe(`EZCA/${env.event.CAId}`);
    expect(rec.headers).toEqual({
      source: "EZCA",
      sourcetype: "EZCA_Certificates",
      event_id: "4888",
      record_id: env.event.RecordId,
    });
    expect(JSON.parse(rec.value)).toEqual(env);
    expect(rec.timestamp).toBe("1768478400123");
  });
});
