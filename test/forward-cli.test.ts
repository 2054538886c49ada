/** `forward`'s options and config, without a broker: one clear line per mistake, exit 1; the config file shared with send. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadSendConfig } from "../exporter/cli/send-config";
import { kafkaSourceSection } from "../exporter/forward/source";
import { SINKS } from "../exporter/sinks";
import { httpSpec } from "../exporter/sinks/http/spec";
import { runCli } from "./support/cli-run";

const file = (text: string) => {
  const f = path.join(mkdtempSync(path.join(tmpdir(), "forward-cli-")), "send.yaml");
  writeFileSync(f, text);
  return f;
};
const shared = [
  "pipeline: { maxInFlight: 2 }",
  "forward: { bootstrapServers: [k1:9093], topic: audit, group: keytos-siem-forward.siem }",
  'http: { url: "https://collector.example.com/ingest" }',
  "",
].join("\n");

describe("forward: config and options", () => {
  it("one file serves send and forward: send ignores the forward section, forward reads it", () => {
    const f = file(shared);
    expect(() => loadSendConfig(f, httpSpec, {}, SINKS)).not.toThrow();
    const s = loadSendConfig(f, httpSpec, {}, SINKS, { spec: kafkaSourceSection, given: { topic: "other" } });
    expect(s.source).toEqual({
      bootstrapServers: ["k1:9093"],
      topic: "other",
      group: "keytos-siem-forward.siem",
    });
    expect(s.pipeline).toEqual({ maxInFlight: 2 });
  });

  it("a bad source field is named with its line; missing ones name their variable", () => {
    const f = file("forward: { bootstrapServers: [nope], sessionTimeoutMs: 5 }\n");
    expect(() => loadSendConfig(f, httpSpec, {}, SINKS, { spec: kafkaSourceSection, given: {} })).toThrow(
      /send\.yaml:1:\d+: forward\.bootstrapServers: must be host:port entries[\s\S]*send\.yaml:1:\d+: forward\.sessionTimeoutMs: must be at least 6000[\s\S]*forward\.topic: required for forward: set it in the config file or KEYTOS_FORWARD_TOPIC/,
    );
  });

  it("the command line: missing settings and credentials, bad numbers: one line each, exit 1", async () => {
    const none = await runCli(["forward", "--from", "kafka", "--to", "http"], { KEYTOS_FORWARD_BROKERS: "" });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(
      /forward\.bootstrapServers: required for forward: set it in the config file or KEYTOS_FORWARD_BROKERS/,
    );
    expect(none.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const f = file(shared);
    const noCredentials = await runCli(["forward", "--from", "kafka", "--to", "http", "--config", f], {
      KEYTOS_HTTP_TOKEN: "t",
      KEYTOS_FORWARD_USERNAME: "",
      KEYTOS_FORWARD_PASSWORD: "",
    });
    expect(noCredentials.code).toBe(1);
    expect(noCredentials.stderr).toMatch(/export KEYTOS_FORWARD_USERNAME and KEYTOS_FORWARD_PASSWORD/);
    const port = await runCli([
      "forward",
      "--from",
      "kafka",
      "--to",
      "http",
      "--config",
      f,
      "--metrics-port",
      "http",
    ]);
    expect(port).toMatchObject({ code: 1 });
    expect(port.stderr).toBe(
      'keytos-siem: --metrics-port must be a whole number from 0 to 65535, got "http"\n',
    );
    const from = await runCli(["forward", "--from", "file", "--to", "http"]);
    expect(from.code).toBe(1);
    expect(from.stderr).toMatch(/--from <source>' argument 'file' is invalid. Allowed choices are kafka/);
  });
});
