/**
 * The durable spool: persistence across reopen, byte accounting, one sender per spool, replay
 * progress committed with the events it feeds back.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { GroupSync } from "../exporter/pipeline/group-sync";
import { Spool, SpoolBusyError } from "../exporter/pipeline/spool";

const tmp = () => mkdtempSync(path.join(tmpdir(), "keytos-spool-unit-"));

describe("spool", () => {
  it("keeps chunks and totals across close and reopen; deletes a chunk once all its events are done", () => {
    const dir = tmp();
    const a = new Spool(dir, "http");
    const first = a.append([
      { id: "a", body: "{}", bytes: 2 },
      { id: "b", body: '{"x":1}', bytes: 7 },
    ]);
    const second = a.append([{ id: "c", body: "[]", bytes: 2 }]);
    expect({ count: a.count, bytes: a.bytes }).toEqual({ count: 3, bytes: 11 });
    a.release(new Map([[first, [1]]])); // "b" done, "a" not: the chunk stays whole
    a.release(new Map([[first, [1]]])); // released twice (a split batch): counted once
    expect({ count: a.count, bytes: a.bytes }).toEqual({ count: 2, bytes: 4 });
    a.release(new Map([[second, [0]]])); // chunk 2 complete: deleted
    a.close();
    const b = new Spool(dir, "http");
    // "a" is not done, so the chunk comes back whole ("b" again: at-least-once); chunk 2 is gone.
    expect({ count: b.count, bytes: b.bytes }).toEqual({ count: 2, bytes: 9 });
    expect(b.readAfter(0, 10)).toEqual([
      { seq: first, first: 0, ids: ["a", "b"], bodies: ["{}", '{"x":1}'] },
    ]);
    expect(b.readAfter(first, 10)).toEqual([]);
    b.close();
  });

  it("saves the done run at a chunk's start, so a restart resends only what follows it", () => {
    const dir = tmp();
    const a = new Spool(dir, "http");
    const seq = a.append(["a", "b", "c", "d"].map((id) => ({ id, body: `"${id}"`, bytes: 3 })));
    a.release(new Map([[seq, [0, 2]]])); // a and c done: the run at the start is just "a"
    a.close();
    const b = new Spool(dir, "http");
    expect({ count: b.count, bytes: b.bytes }).toEqual({ count: 3, bytes: 9 });
    expect(b.readAfter(0, 1)).toEqual([
      { seq, first: 1, ids: ["b", "c", "d"], bodies: ['"b"', '"c"', '"d"'] },
    ]);
    b.release(new Map([[seq, [1]]])); // now a, b, c done (c from before the restart is not known: resent)
    expect(b.count).toBe(2);
    b.release(new Map([[seq, [2, 3]]]));
    expect({ count: b.count, bytes: b.bytes }).toEqual({ count: 0, bytes: 0 });
    b.close();
    const c = new Spool(dir, "http");
    expect(c.readAfter(0, 10)).toEqual([]);
    c.close();
  });

  it("moves the events of a 0.1 spool (one row per event) into chunks, in order, losing none", () => {
    const dir = tmp();
    const legacy = new DatabaseSync(path.join(dir, "http.spool.sqlite"));
    legacy.exec(
      "CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, body TEXT NOT NULL, bytes INTEGER NOT NULL)",
    );
    const insert = legacy.prepare("INSERT INTO events (id, body, bytes) VALUES (?, ?, ?)");
    legacy.exec("BEGIN");
    for (let i = 0; i < 2500; i++) insert.run(`id-${i}`, `{"n":${i}}`, `{"n":${i}}`.length);
    legacy.exec("COMMIT");
    legacy.close();
    const spool = new Spool(dir, "http");
    expect(spool.count).toBe(2500);
    const chunks = spool.readAfter(0, 10);
    expect(chunks.map((c) => c.ids.length)).toEqual([1000, 1000, 500]);
    expect(chunks.flatMap((c) => c.ids)).toEqual(Array.from({ length: 2500 }, (_, i) => `id-${i}`));
    expect(chunks.flatMap((c) => c.bodies)[1234]).toBe('{"n":1234}');
    spool.close();
    const again = new Spool(dir, "http"); // migrated once: the old table is gone
    expect(again.count).toBe(2500);
    again.close();
  });

  it("a replay step commits with its events; its dead letters land once, even if the process died before appending them", () => {
    const dir = tmp();
    const deadLetterFile = path.join(dir, "http.deadletter.ndjson");
    writeFileSync(deadLetterFile, "earlier\n");
    const step = { file: "http.deadletter.replay-1.ndjson", deadLetterFile };
    const a = new Spool(dir, "http");
    a.append([{ id: "a", body: "{}", bytes: 2 }], { replay: { ...step, offset: 120, deadLetters: "one\n" } });
    expect(readFileSync(deadLetterFile, "utf8")).toBe("earlier\none\n");
    a.append([], { replay: { ...step, offset: 200, deadLetters: "" } }); // every line refused or blank
    expect(a.count).toBe(1);
    expect(a.replays.progress()).toEqual(new Map([[step.file, 200]]));
    a.close();

    // Killed right after a commit, before its dead letters were appended: the row says where they go.
    const db = new DatabaseSync(path.join(dir, "http.spool.sqlite"));
    db.prepare("UPDATE replay_progress SET offset = 300, deadLetters = ?, at = ?").run("two\nthree\n", 12);
    db.close();
    new Spool(dir, "http").close(); // completes the append
    const again = new Spool(dir, "http"); // and only once
    expect(readFileSync(deadLetterFile, "utf8")).toBe("earlier\none\ntwo\nthree\n");
    expect(again.replays.progress()).toEqual(new Map([[step.file, 300]]));
    again.replays.forget(step.file);
    expect(again.replays.progress().size).toBe(0);
    again.close();
  });

  it("makes appends durable off the event loop: one wait covers every append before it", async () => {
    const dir = tmp();
    const spool = new Spool(dir, "http");
    expect(await Promise.race([spool.durable(), "nothing to sync"])).toBeUndefined(); // nothing written
    spool.append([{ id: "a", body: "{}", bytes: 2 }]);
    const first = spool.durable();
    spool.append([{ id: "b", body: "{}", bytes: 2 }]);
    const both = spool.durable();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0); // the event loop keeps running while the disk syncs
    await Promise.all([first, both]);
    clearInterval(timer);
    expect(ticks).toBeGreaterThanOrEqual(0);
    spool.close();
    const reopened = new Spool(dir, "http");
    expect(reopened.count).toBe(2);
    reopened.close();
    // A sync that cannot happen fails its waiters instead of leaving them hanging.
    const missing = new GroupSync(path.join(dir, "no-such-wal"));
    missing.wrote();
    await expect(missing.durable()).rejects.toThrow(/ENOENT/);
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
