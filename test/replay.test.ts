/**
 * Dead-letter replay: the file is moved aside before anything is read, a replay cut short resumes
 * where its last commit stopped (no line fed twice, none skipped), what each dead letter gives
 * back is the line refused at the door or the event the destination rejected, an append of dead
 * letters cut short by a crash is completed, never doubled; and a real `send
 * --replay-dead-letters` killed with SIGKILL at many points, then run again, delivers each event
 * once and keeps each malformed line dead-lettered once.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { sampleStream } from "../components/catalog";
import { placeAt } from "../exporter/pipeline/dead-letter";
import type { ReplaySpan } from "../exporter/pipeline/exporter";
import { claimDeadLetters, type ReplayTarget, replayFile } from "../exporter/pipeline/replay";
import { BIN } from "./support/cli-run";
import { FaultServer } from "./support/fault-server";

const dirs: string[] = [];
const tmp = (prefix: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const entry = (i: number) =>
  JSON.stringify(
    i % 2 === 0
      ? { cause: "malformedJson", reason: "not valid JSON", line: `line-${i}` }
      : { cause: "rejectedByDestination", reason: "HTTP 400", event: { n: i } },
  );
const expected = (i: number) => (i % 2 === 0 ? `line-${i}` : JSON.stringify({ n: i }));

function deadLetterFile(n: number): string {
  const file = path.join(tmp("keytos-replay-"), "http.deadletter.ndjson");
  writeFileSync(file, `${Array.from({ length: n }, (_, i) => entry(i)).join("\n")}\n`);
  return file;
}

/**
 * A target that keeps replay progress as the spool does: recorded with each span it accepts, in
 * one step. `accept` may throw, as a process killed during a commit would.
 */
function target(
  deadLetterFile: string,
  accept: (lines: readonly string[]) => { accepted: number; deadLettered: number },
) {
  const progress = new Map<string, number>();
  const fed: string[] = [];
  const t: ReplayTarget = {
    deadLetterFile,
    async acceptMany(lines: readonly string[], span: ReplaySpan) {
      const counts = accept(lines);
      fed.push(...lines);
      progress.set(span.file, span.ends[span.ends.length - 1] as number);
      return counts;
    },
    replays: { progress: () => new Map(progress), forget: (file) => void progress.delete(file) },
  };
  return { t, fed, progress };
}

describe("dead-letter replay", () => {
  it("moves the file aside first, feeds back each line or event once, then deletes it and its record", async () => {
    const file = deadLetterFile(2500);
    const files = claimDeadLetters(file);
    expect(files).toHaveLength(1);
    expect(path.basename(files[0] as string)).toMatch(/^http\.deadletter\.replay-\d+\.ndjson$/);
    expect(existsSync(file)).toBe(false); // dead letters of this run start a new file
    const { t, fed, progress } = target(file, (lines) => ({ accepted: lines.length - 1, deadLettered: 1 }));
    const counts = await replayFile(files[0] as string, t);
    expect(fed).toEqual(Array.from({ length: 2500 }, (_, i) => expected(i)));
    expect(counts).toEqual({ lines: 2500, accepted: 2497, deadLettered: 3 }); // 3 calls of up to 1000
    expect(readdirSync(path.dirname(file))).toEqual([]);
    expect(progress.size).toBe(0);
    expect(claimDeadLetters(file)).toEqual([]);
  });

  it("a replay cut short resumes after the last commit: no line fed twice, none skipped", async () => {
    const file = deadLetterFile(2500);
    const [aside] = claimDeadLetters(file) as [string];
    let calls = 0;
    const { t, fed } = target(file, (lines) => {
      if (++calls === 2) throw new Error("killed"); // the process dies during its second commit
      return { accepted: lines.length, deadLettered: 0 };
    });
    await expect(replayFile(aside, t)).rejects.toThrow("killed");
    expect(fed).toHaveLength(1000);

    // Meanwhile new dead letters arrived; the next replay takes the interrupted file first.
    writeFileSync(file, `${entry(9000)}\n`);
    const files = claimDeadLetters(file);
    expect(files[0]).toBe(aside);
    expect(files).toHaveLength(2);
    for (const f of files) await replayFile(f, t);
    expect(fed).toEqual([...Array.from({ length: 2500 }, (_, i) => expected(i)), expected(9000)]);
    expect(readdirSync(path.dirname(file))).toEqual([]);
  });

  it("a line that is not a dead-letter record (torn, edited) goes back to the door as it is", async () => {
    const file = deadLetterFile(0);
    writeFileSync(file, `${entry(1)}\r\n{"torn": \n`);
    const { t, fed } = target(file, (lines) => ({ accepted: 0, deadLettered: lines.length }));
    for (const f of claimDeadLetters(file)) await replayFile(f, t);
    expect(fed).toEqual([expected(1), '{"torn": ']);
  });

  it("dead letters committed to go at an offset land there once: a torn append is completed, a done one left alone", () => {
    const file = path.join(tmp("keytos-replay-"), "http.deadletter.ndjson");
    const before = '{"cause":"tooOld"}\n';
    const text = '{"cause":"malformedJson","line":"a"}\n{"cause":"malformedJson","line":"b"}\n';
    writeFileSync(file, before);
    placeAt(file, before.length, text); // the append right after the commit
    expect(readFileSync(file, "utf8")).toBe(before + text);
    placeAt(file, before.length, text); // on reopen after a crash just after the append: nothing to do
    expect(readFileSync(file, "utf8")).toBe(before + text);
    writeFileSync(file, before + text.slice(0, 20)); // a crash cut the append short
    placeAt(file, before.length, text);
    expect(readFileSync(file, "utf8")).toBe(before + text);
    writeFileSync(file, ""); // the file was emptied by hand since: the dead letters are not lost
    placeAt(file, before.length, text);
    expect(readFileSync(file, "utf8")).toBe(text);
  });
});

describe("send --replay-dead-letters killed with SIGKILL, then run again", () => {
  let server: FaultServer;
  afterEach(async () => {
    await server.stop();
  });

  /** A replay; while the destination is down it gives up at once on what it could not deliver. */
  function run(spool: string, url: string, env: Record<string, string>, extra = ["--drain-timeout", "0"]) {
    const child: ChildProcess = spawn(
      process.execPath,
      [BIN, "send", "--to", "http", "--spool", spool, "--replay-dead-letters", ...extra],
      {
        env: { ...process.env, KEYTOS_HTTP_URL: url, KEYTOS_HTTP_TOKEN: server.token, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    child.stdout?.on("data", (d) => (stdout += d));
    const done = new Promise<{ code: number | null; signal: string | null; stdout: string }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal, stdout })),
    );
    return { child, done };
  }

  /** RecordIds in the spool, with how many times each is there (nothing is delivered while it is down). */
  function spooled(spool: string): Map<string, number> {
    const db = new DatabaseSync(path.join(spool, "http.spool.sqlite"), { readOnly: true });
    const counts = new Map<string, number>();
    for (const row of db.prepare("SELECT ids FROM chunks").all() as { ids: string }[])
      for (const id of row.ids.split("\n")) counts.set(id, (counts.get(id) ?? 0) + 1);
    db.close();
    return counts;
  }

  it("every RecordId of the dead-letter file reaches the destination exactly once; malformed lines stay dead-lettered once", async () => {
    server = await new FaultServer().start();
    // While the destination is down (a closed port), nothing is delivered: every replayed event
    // stays in the spool, where a second copy would show.
    const down = await new FaultServer().start();
    const downUrl = down.url;
    await down.stop();

    const spool = path.join(tmp("keytos-replay-kill-"), "spool");
    mkdirSync(spool);
    const deadLetterFile = path.join(spool, "http.deadletter.ndjson");
    const events = [...sampleStream(20_000, { seed: 21 })];
    const ids = events.map((e) => e.event.RecordId);
    expect(new Set(ids).size).toBe(ids.length);
    const malformed: string[] = [];

    // 20 runs, each after new dead letters arrive (1,000 condemned events, 10 lines that are not
    // JSON), each killed: just before or right after its 1st or 2nd spool commit (the
    // instants around a commit), or after a delay anywhere in the run (or not at all, when the
    // run was done by then).
    for (let i = 0; i < 20; i++) {
      const arrived = events.slice(i * 1000, (i + 1) * 1000).flatMap((event, j) => {
        const line = JSON.stringify({ cause: "rejectedByDestination", reason: "HTTP 400", event });
        if (j % 100 !== 99) return [line];
        malformed.push(`{not json ${i}-${j}`);
        return [
          line,
          JSON.stringify({ cause: "malformedJson", reason: "not valid JSON", line: malformed.at(-1) }),
        ];
      });
      appendFileSync(deadLetterFile, `${arrived.join("\n")}\n`);
      const hook: Record<string, string> =
        i % 2 === 0
          ? {
              KEYTOS_TEST_KILL_AT_COMMIT: ["before:1", "after:1", "before:2", "after:2"][
                (i / 2) % 4
              ] as string,
            }
          : {};
      const r = run(spool, downUrl, hook);
      const timer =
        i % 2 === 1 ? setTimeout(() => r.child.kill("SIGKILL"), 100 + ((i * 97) % 400)) : undefined;
      const end = await r.done;
      clearTimeout(timer);
      if (i % 2 === 0) expect(end.signal, `run ${i}`).toBe("SIGKILL");
      const twice = [...spooled(spool)].filter(([, n]) => n > 1);
      expect(twice, `run ${i}: events spooled twice`).toEqual([]);
    }

    // The destination is back: the last replay finishes and everything is delivered.
    const last = await run(spool, server.url, {}, ["--json"]).done;
    expect(last.signal).toBeNull();
    expect(last.code).toBe(5); // the malformed lines stay dead-lettered
    expect(JSON.parse(last.stdout)).toMatchObject({ inSpool: 0 });
    expect(ids.filter((id) => server.received.get(id) !== 1)).toEqual([]);
    expect(server.unique).toBe(20_000);
    expect(server.duplicates).toBe(0);
    const deadLetters = readFileSync(path.join(spool, "http.deadletter.ndjson"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { cause: string; line: string });
    expect(deadLetters.map((d) => d.line).sort()).toEqual(malformed.sort());
    expect(deadLetters.every((d) => d.cause === "malformedJson")).toBe(true);
    expect(readdirSync(spool).filter((f) => f.includes(".replay-"))).toEqual([]);
    const db = new DatabaseSync(path.join(spool, "http.spool.sqlite"), { readOnly: true });
    expect(db.prepare("SELECT count(*) AS n FROM replay_progress").get()).toEqual({ n: 0 });
    db.close();
  }, 120_000);
});
