/** Problems name the field and what was given, but never echo a credential. */
import { describe, expect, it } from "vitest";
import { FileError } from "../components/config/yaml-file";

describe("FileError", () => {
  it("shows what was given for an ordinary field", () => {
    const err = new FileError("send config", "send.yaml", [
      {
        path: ["pipeline", "batchSize"],
        message: "must be a whole number",
        input: "lots",
        line: 3,
        column: 3,
      },
    ]);
    expect(err.message).toBe('send.yaml:3:3: pipeline.batchSize: must be a whole number (got "lots")');
  });

  it("never echoes a token, key, secret or password value", () => {
    for (const field of ["token", "apiKey", "clientSecret", "password", "credentials"]) {
      const err = new FileError("send config", "send.yaml", [
        { path: ["http", field], message: "must be a string", input: ["s3cr3t-value"], line: 5, column: 3 },
      ]);
      expect(err.message).toBe(`send.yaml:5:3: http.${field}: must be a string`);
      expect(err.message).not.toContain("s3cr3t");
    }
  });

  it("masks the user and password of a URL (environment or file)", () => {
    const err = new FileError("send config", "send.yaml", [
      {
        path: ["http", "url"],
        message: "must be an https URL",
        input: "http://ingest:s3cr3t@collector.example.com/x",
        source: "KEYTOS_HTTP_URL",
      },
    ]);
    expect(err.message).toBe(
      'KEYTOS_HTTP_URL: http.url: must be an https URL (got "http://***:***@collector.example.com/x")',
    );
  });
});
