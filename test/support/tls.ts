/**
 * A throw-away self-signed certificate for 127.0.0.1, made with openssl once per test process,
 * so the HTTPS test servers are verified like real endpoints (the client trusts this one CA file)
 * instead of turning TLS verification off.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface TestCertificate {
  key: string;
  cert: string;
  /** PEM file a client passes as its trusted CA. */
  caFile: string;
}

let made: TestCertificate | undefined;

export function testCertificate(): TestCertificate {
  if (made) return made;
  const dir = mkdtempSync(path.join(tmpdir(), "keytos-siem-tls-"));
  // Gone with the process that made it (benchmark servers run outside the tests' own temp folders).
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const keyFile = path.join(dir, "key.pem");
  const certFile = path.join(dir, "cert.pem");
  const r = spawnSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=keytos-siem test server",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ],
    { encoding: "utf8" },
  );
  if (r.error || r.status !== 0) {
    throw new Error(
      `openssl could not make the test certificate (${r.error?.message ?? r.stderr}); install it (Debian/Ubuntu: apt-get install openssl)`,
    );
  }
  made = { key: readFileSync(keyFile, "utf8"), cert: readFileSync(certFile, "utf8"), caFile: certFile };
  return made;
}
