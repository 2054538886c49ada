/**
 * The compiled Splunk saved searches, checked offline with the SPL evaluator (components/splunk/
 * spl.ts) on known-good and known-bad events: each alert matches its own event and no other
 * catalog sample (EZCA 19 / 12 / 28 never match the EZMonitor events with the same id), and the
 * evaluator follows Splunk's semantics where they decide a match.
 */
import { describe, expect, it } from "vitest";
import { type Envelope, envelopeKey, eventKey, sampleCatalog, sampleEvent } from "../components/catalog";
import { indexedSample, splunkAlerts, splunkSchedule, splunkSearch } from "../components/splunk/alerts";
import {
  fieldsOf,
  type IndexedEvent,
  parseSpl,
  runSearch,
  SplError,
  splMatches,
} from "../components/splunk/spl";
import { resolveTime } from "../components/splunk/time";
import { compilePolicyText } from "./support/policy";

const everything = compilePolicyText(
  "version: 1\nrules:\n  - { name: all, select: { products: [EZCA, EZMonitor] }, severity: high }\n",
).rules;
const splOf = (key: string) => {
  const alert = everything.find((r) => r.key === key)?.destinations.splunk;
  if (!alert) throw new Error(`no splunk alert for ${key}`);
  return splunkSearch(alert, "keytos");
};
const on = (env: Envelope, index = "keytos") => indexedSample(env, index);

describe("compiled saved searches", () => {
  it("select the event by source, sourcetype and id field, on the stack's index", () => {
    expect(splOf("EZCA:19")).toBe('index="keytos" source="EZCA" sourcetype="EZCA_CAs" EventID=19');
    expect(splOf("EZMonitor:19")).toBe(
      'index="keytos" source="EZMonitor" sourcetype="EZMonitor_Alerts" VulnerabilityID=19',
    );
    expect(splOf("EZCA:4888")).toBe(
      'index="keytos" source="EZCA" sourcetype="EZCA_Certificates" EventID=4888',
    );
  });

  it.each([19, 12, 28])(
    "EZCA %i and EZMonitor %i: each search matches its own product's event only",
    (id) => {
      const ezca = on(sampleEvent("EZCA", id));
      const ezm = on(sampleEvent("EZMonitor", id));
      expect(splMatches(splOf(`EZCA:${id}`), ezca)).toBe(true);
      expect(splMatches(splOf(`EZCA:${id}`), ezm)).toBe(false);
      expect(splMatches(splOf(`EZMonitor:${id}`), ezm)).toBe(true);
      expect(splMatches(splOf(`EZMonitor:${id}`), ezca)).toBe(false);
    },
  );

  it("every alert matches exactly its own catalog sample (the compiler's verify agrees)", () => {
    const samples = sampleCatalog();
    expect(everything.length).toBe(samples.length);
    for (const rule of everything) {
      const alert = rule.destinations.splunk;
      if (!alert) throw new Error(rule.key);
      const matched = samples.filter((s) => splMatches(splunkSearch(alert, "keytos"), on(s)));
      expect(
        matched.map((s) => eventKey(envelopeKey(s).product, envelopeKey(s).id)),
        rule.key,
      ).toEqual([rule.key]);
      expect(splunkAlerts.verify(alert, rule), rule.key).toEqual([]);
    }
  });

  it("verify reports a search that matches the wrong events", () => {
    const rule = everything.find((r) => r.key === "EZCA:19");
    const alert = rule?.destinations.splunk;
    if (!rule || !alert) throw new Error("EZCA:19");
    expect(splunkAlerts.verify({ ...alert, search: "EventID=19 OR VulnerabilityID=19" }, rule)).toEqual([
      "search EventID=19 OR VulnerabilityID=19 matches EZCA:19, EZMonitor:19 catalog sample(s), not exactly EZCA:19",
    ]);
    expect(splunkAlerts.verify({ ...alert, search: 'source="EZCA" stats' }, rule)).toEqual([
      expect.stringMatching(/free-text terms are not in the evaluator's subset/),
    ]);
  });

  it("known-bad events do not match: wrong sourcetype, other index, id missing or different", () => {
    const spl = splOf("EZCA:19");
    const good = on(sampleEvent("EZCA", 19));
    expect(splMatches(spl, good)).toBe(true);
    expect(splMatches(spl, { ...good, sourcetype: "EZCA_Certificates" })).toBe(false);
    expect(splMatches(spl, { ...good, index: "main" })).toBe(false);
    expect(splMatches(spl, { ...good, source: "EZMonitor" })).toBe(false);
    const { EventID: _drop, ...noId } = good.event;
    expect(splMatches(spl, { ...good, event: noId })).toBe(false);
    expect(splMatches(spl, { ...good, event: { ...good.event, EventID: 190 } })).toBe(false);
    expect(splMatches(spl, { ...good, event: { ...good.event, EventID: 1 } })).toBe(false);
    // Splunk extracts JSON values as text: "19" and 19 are the same field value.
    expect(splMatches(spl, { ...good, event: { ...good.event, EventID: "19" } })).toBe(true);
  });
});

describe("the SPL evaluator", () => {
  const e: IndexedEvent = {
    index: "keytos",
    sourcetype: "EZCA_CAs",
    source: "EZCA",
    host: "ezca.keytos.io",
    time: 1_768_478_400,
    event: { EventID: 19, User: "Alice@Contoso.com", meta: { tags: ["a", "b"], run: { id: 7 } } },
  };

  it("compares values case-insensitively (as Splunk does), field names case-sensitively", () => {
    expect(splMatches('search source="ezca" user="x"', e)).toBe(false);
    expect(splMatches('search source="ezca"', e)).toBe(true);
    expect(splMatches("search User=alice@contoso.com", e)).toBe(true);
    expect(splMatches("search user=alice@contoso.com", e)).toBe(false);
  });

  it("wildcards, nested and array fields, != versus NOT, OR before AND", () => {
    expect(splMatches("search User=alice*", e)).toBe(true);
    expect(splMatches("search meta.run.id=7 meta.tags{}=b", e)).toBe(true);
    expect(fieldsOf(e).get("meta.tags{}")).toEqual(["a", "b"]);
    expect(splMatches("search Missing!=1", e)).toBe(false); // != needs the field
    expect(splMatches("search NOT Missing=1", e)).toBe(true);
    // OR binds tighter: EventID=1 AND (source=EZCA OR host=x), false.
    expect(splMatches("search EventID=1 source=EZCA OR host=x", e)).toBe(false);
    expect(splMatches("search (EventID=1 source=EZCA) OR host=ezca.keytos.io", e)).toBe(true);
    expect(splMatches("search EventID=19 AND NOT (sourcetype=EZCA_Certificates)", e)).toBe(true);
  });

  it("time modifiers, | search and | head", () => {
    const now = e.time + 120;
    expect(splMatches("search index=keytos earliest=-5m latest=now", e, now)).toBe(true);
    expect(splMatches("search index=keytos earliest=-1m", e, now)).toBe(false);
    const later = { ...e, time: e.time + 60 };
    expect(runSearch(parseSpl("search index=keytos | head 1"), [e, later], now)).toEqual([later]);
    expect(runSearch(parseSpl("search index=keytos | search EventID=19"), [e], now)).toEqual([e]);
    const t = Date.UTC(2026, 0, 15, 12, 7, 31) / 1000;
    expect(resolveTime("-5m@m", t)).toBe(Date.UTC(2026, 0, 15, 12, 2) / 1000);
    expect(resolveTime("@m", t)).toBe(Date.UTC(2026, 0, 15, 12, 7) / 1000);
    expect(resolveTime("-1d@h", t)).toBe(Date.UTC(2026, 0, 14, 12) / 1000);
    expect(resolveTime("-1mon@mon", t)).toBe(Date.UTC(2025, 11, 1) / 1000);
    expect(resolveTime("now", t)).toBe(t);
    expect(resolveTime("1768478400", t)).toBe(1768478400);
    for (const bad of ["5m", "-5q", "rt-5m", "", "-m"]) expect(resolveTime(bad, t), bad).toBeUndefined();
  });

  it("refuses what is outside the subset instead of guessing", () => {
    const refuse = (spl: string, why: RegExp) => {
      expect(() => parseSpl(spl)).toThrow(SplError);
      expect(() => parseSpl(spl)).toThrow(why);
    };
    refuse("search EZCA", /free-text terms/);
    refuse("search index=keytos | stats count", /'stats' is not in the evaluator's subset/);
    refuse("search index=keytos | head ten", /head takes a whole number/);
    refuse('search index="keytos', /cannot read the search/);
    refuse("search (index=keytos", /missing \)/);
    refuse("search", /selects nothing/);
    expect(() => splMatches("search earliest=yesterday", e)).toThrow(/not a time modifier/);
  });
});

describe("schedules", () => {
  it("repeat every window when cron can, else every largest period dividing it", () => {
    expect(splunkSchedule(300)).toEqual({ cron: "*/5 * * * *", periodMinutes: 5, overlaps: false });
    expect(splunkSchedule(3600)).toEqual({ cron: "0 * * * *", periodMinutes: 60, overlaps: false });
    expect(splunkSchedule(6 * 3600)).toEqual({ cron: "0 */6 * * *", periodMinutes: 360, overlaps: false });
    expect(splunkSchedule(86400)).toEqual({ cron: "0 0 * * *", periodMinutes: 1440, overlaps: false });
    expect(splunkSchedule(45 * 60)).toEqual({ cron: "*/15 * * * *", periodMinutes: 15, overlaps: true });
    expect(splunkSchedule(7 * 60)).toEqual({ cron: "*/1 * * * *", periodMinutes: 1, overlaps: true });
  });

  it("an overlapping schedule is suppressed for one window unless the policy says otherwise", () => {
    const [r45, r1h] = compilePolicyText(`version: 1
rules:
  - { name: a, select: { products: [EZCA], ids: [19] }, severity: medium, window: 45m, threshold: 2 }
  - name: b
    select: { products: [EZCA], ids: [92] }
    severity: low
    window: 1h
    notify: { splunk: { suppressFor: 2h, webhookUrl: "https://hooks.example.com/x", emails: [a@example.com] } }
`).rules;
    expect(r45?.destinations.splunk).toEqual({
      search: 'source="EZCA" sourcetype="EZCA_CAs" EventID=19',
      cronSchedule: "*/15 * * * *",
      earliestTime: "-45m@m",
      latestTime: "@m",
      threshold: 2,
      severity: 4,
      suppressPeriod: "45m",
      emails: [],
    });
    expect(r1h?.destinations.splunk).toMatchObject({
      cronSchedule: "0 * * * *",
      earliestTime: "-1h@m",
      severity: 3,
      suppressPeriod: "2h",
      emails: ["a@example.com"],
      webhookUrl: "https://hooks.example.com/x",
    });
  });
});
