/**
 * The Datadog log-search grammar the monitor-query parser accepts: the guide's terms and the
 * detections' OR, `-`, NOT and parentheses are validated, not rejected; malformed searches fail
 * with the reason, before any monitor reaches the Datadog API.
 */
import { describe, expect, it } from "vitest";
import { datadogSearchEvaluates } from "../components/datadog/detection";
import {
  datadogMonitorQuery,
  parseDatadogMonitorQuery,
  parseDatadogSearch,
} from "../components/datadog/query";
import { alertsOf } from "../components/policy";
import { loadPolicy } from "../components/registry";

const monitor = (search: string) =>
  `logs(${JSON.stringify(search)}).index("*").rollup("count").last("5m") > 0`;

describe("Datadog search validation", () => {
  it.each([
    "service:EZCA @EventID:4888",
    "service:EZCA AND @EventID:4888",
    "(service:EZCA AND @EventID:19) OR (service:EZCA AND @EventID:92)",
    "((service:EZCA AND @EventID:4887 AND @TemplateName:WebServer) AND -@User:*@pki\\-admins.example.com)",
    "service:EZCA NOT @User:alice@example.com",
    '@Details:"keytos smoke test" host:keytos-siem-smoke',
    "service:EZCA (@TemplateName:VPN* OR @CAName:*Issuing*)",
  ])("accepts %s", (search) => {
    expect(() => parseDatadogSearch(search)).not.toThrow();
    expect(parseDatadogMonitorQuery(monitor(search)).search).toBe(search);
  });

  it.each([
    ["", /empty search/],
    ["service:EZCA AND", /ends too early/],
    ["service:EZCA OR", /ends too early/],
    ["(service:EZCA @EventID:19", /missing "\)"/],
    ["service:EZCA)", /unexpected "\)"/],
    ["EZCA", /search term "EZCA" is not key:value/],
    ["service:EZCA @User:a:b", /search term "@User:a:b" is not key:value/],
    ["service:EZCA @User:a b", /search term "b" is not key:value/],
    ["@EventID:4888 custom:x", /search term "custom:x" is not key:value/],
    ['@Details:"unclosed', /cannot read the search/],
    ["AND service:EZCA", /search term "AND" is not key:value/],
  ])("rejects %j", (search, reason) => {
    expect(() => parseDatadogSearch(search)).toThrow(reason);
    if (search !== "") expect(() => parseDatadogMonitorQuery(monitor(search))).toThrow(reason);
  });

  it("stray whitespace is still refused in a monitor query", () => {
    expect(() => parseDatadogMonitorQuery(monitor("service:EZCA  @EventID:1"))).toThrow(/stray whitespace/);
  });

  it("every detection search the example policy emits parses back into a monitor query", () => {
    const policy = loadPolicy("policies/with-detections.yaml");
    const searches = alertsOf(policy).flatMap((a) => (a.kind === "detection" ? [a.queries.datadog] : []));
    expect(searches).toHaveLength(2);
    for (const s of searches)
      expect(parseDatadogMonitorQuery(datadogMonitorQuery(s as string, 3600, 0)).search).toBe(s);
  });

  it("evaluates implicit AND, NOT and quoted phrases as Datadog does", () => {
    const log = { service: "EZCA", EventID: 4888, Details: "keytos smoke test 1", User: "a*b" };
    expect(datadogSearchEvaluates("service:EZCA @EventID:4888", log)).toBe(true);
    expect(datadogSearchEvaluates("service:EZCA NOT @EventID:4888", log)).toBe(false);
    expect(datadogSearchEvaluates('@Details:"keytos smoke test 1"', log)).toBe(true);
    expect(datadogSearchEvaluates('@User:"a*b"', log)).toBe(true);
    expect(datadogSearchEvaluates('@User:"a*"', log)).toBe(false);
  });
});
