/**
 * The Pulumi program under Pulumi's own unit-test mocks (no CLI, no cloud): config in, exports out.
 * setMocks and config are set before the program is imported, as Pulumi requires.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { readStackConfig } from "../stacks/config";
import { recordResources } from "./support/pulumi-mocks";

type Program = typeof import("../stacks/index");

async function runProgram(config: Record<string, string>): Promise<Program> {
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([k, v]) => [`keytos-siem:${k}`, v])),
  );
  await recordResources();
  return import("../stacks/index");
}

describe("stack program (Pulumi mocks)", () => {
  let program: Program;
  beforeAll(async () => {
    program = await runProgram({ customer: "contoso", policyFile: "policies/default.yaml" });
  });

  it("exports the customer and the compiled alert matrix of the policy", () => {
    expect(program.customer).toBe("contoso");
    expect(program.policyFile).toBe("policies/default.yaml");
    const r4888 = program.alertRules.find((r) => r.key === "EZCA:4888");
    expect(r4888).toEqual({
      key: "EZCA:4888",
      severity: "high",
      window: "5m",
      threshold: 0,
      destinations: ["cloudwatch", "datadog", "sentinel"],
    });
    expect(program.alertRules).toHaveLength(27);
  });
});

describe("stack config", () => {
  const root = "/project";
  it("defaults and resolves the policy file against the project root", () => {
    expect(readStackConfig(() => undefined, root)).toEqual({
      customer: "default",
      policyFile: "/project/policies/default.yaml",
    });
  });
  it("names the key and the fix for a bad customer", () => {
    expect(() => readStackConfig((k) => (k === "customer" ? "Contoso Ltd" : undefined), root)).toThrow(
      /keytos-siem:customer is "Contoso Ltd": use 1-40 lower-case letters.*pulumi config set keytos-siem:customer contoso/,
    );
  });
});
