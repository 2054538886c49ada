/** The durable spool: persistence across reopen, byte accounting, one sender per spool. */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { Spool, SpoolBusyError } from "../exporter/pipeline/spool";

const tmp = () => mkdtempSync(path.join(tmpdir(), "keytos-spool-unit-"));

describe("spool", () => {
  it("keeps rows and byte totals across close and reopen; removes by sequence", () => {
    const dir = tmp();
    const a = new Spool(dir, "http");
    const seqs = a.append([
      { id: "a", body: "{}", bytes: 2 },
      { id: "b", body: '{"x":1}', bytes: 7 },
      { id: "c", body: "[]", bytes: 2 },
    ]);
    a.remove([seqs[1] as number]);
    a.close();
    const b = new Spool(dir, "http");
    expect({ count: b.count, bytes: b.bytes }).toEqual({ count: 2, bytes: 4 });
    expect(b.readAfter(0, 10).map((r) => r.id)).toEqual(["a", "c"]);
    expect(b.readAfter(seqs[0] as number, 10).map((r) => r.id)).toEqual(["c"]);
    b.close();
  });

  it("refuses a second live sender and takes over from a killed one", async () => {
    const dir = tmp();
    const holder = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "-e",
        `const { Spool } = require(${JSON.stringify(path.resolve(__dirname, "../exporter/pipeline/spool.ts"))}); new Spool(${JSON.stringify(dir)}, "http"); console.log("ready"); setInterval(() => {}, 1000);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise((resolve) => createInterface({ input: holder.stdout }).once("line", resolve));
    expect(() => new Spool(dir, "http")).toThrow(SpoolBusyError);
    expect(() => new Spool(dir, "http")).toThrow(
      new RegExp(
        `spool .*http\\.spool\\.sqlite is in use by another keytos-siem send \\(pid ${holder.pid}\\)`,
      ),
    );
    holder.kill("SIGKILL");
    await new Promise((resolve) => holder.once("exit", resolve));
    const taken = new Spool(dir, "http");
    expect(taken.count).toBe(0);
    taken.close();
  });
});
