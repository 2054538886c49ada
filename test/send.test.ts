/**
 * `keytos-siem send` as a real process against the local intake: delivery, exit codes, bad
 * config, auth failure, dead letters (counted per reason, replayed), and kill -9 mid-stream
 * followed by a restart on the same spool.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sampleStream } from "../components/catalog";
import { SEND_EXIT_HELP } from "../exporter/cli/send-exit";
import { FaultServer } from "./support/fault-server";

const BIN = path.resolve(__dirname, "..", "exporter", "cli", "bin.cjs");
let server: FaultServer;
let dir: string;

beforeEach(async () => {
  server = await new FaultServer().start();
  dir = mkdtempSync(path.join(tmpdir(), "keytos-send-"));
});
afterEach(async () => {
  await server.stop();
});

function writeEvents(n: number, seed: number, extra: string[] = []): { file: string; ids: string[] } {
  const events = [...sampleStream(n, { seed })];
  const file = path.join(dir, `events-${seed}.ndjson`);
  writeFileSync(file, `${[...events.map((e) => JSON.stringify(e)), ...extra].join("\n")}\n`);
  return { file, ids: events.map((e) => e.event.RecordId) };
}

function start(
  args: string[],
  env: Record<string, string> = {},
  keepStdinOpen = false,
): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, KEYTOS_HTTP_URL: server.url, KEYTOS_HTTP_TOKEN: server.token, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  if (!keepStdinOpen) child.stdin?.end();
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => (stdout += d));
  child.stderr?.on("data", (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("exit", (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

const send = (args: string[], env?: Record<string, string>) =>
  start(["send", "--to", "http", "--spool", path.join(dir, "spool"), ...args], env).done;

describe("keytos-siem send", () => {
  it("delivers a file, prints a one-line summary, exits 0", async () => {
    const { file, ids } = writeEvents(2500, 11);
    const r = await send([file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^send to http: accepted 2500, sent 2500, retried 0, dead-lettered 0, in spool 0, /,
    );
    expect(r.stderr).toBe("");
    expect(ids.every((id) => server.received.has(id))).toBe(true);
    expect(r.stdout + r.stderr).not.toContain(server.token);
  });

  it("--json summary; a config file tunes the pipeline and the sink", async () => {
    const { file } = writeEvents(1000, 12);
    const config = path.join(dir, "send.yaml");
    writeFileSync(
      config,
      `pipeline:\n  maxInFlight: 2\n  lingerMs: 10\nhttp:\n  url: ${server.url}\n  maxEventsPerRequest: 100\n`,
    );
    const r = await send(["--config", config, "--json", file], { KEYTOS_HTTP_URL: "" });
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ destination: "http", accepted: 1000, sent: 1000, inSpool: 0 });
    expect(summary.requests).toBeGreaterThanOrEqual(10);
    expect(server.requests.every((q) => q.events <= 100)).toBe(true);
  });

  it("a bad config exits 1 naming file, line, field and fix; nothing is sent", async () => {
    const config = path.join(dir, "bad.yaml");
    writeFileSync(config, "pipeline:\n  maxInFlight: 0\nhttp:\n  url: ftp://x\n  tokn: abc\n");
    const r = await send(["--config", config], { KEYTOS_HTTP_URL: "" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${config}:2:16: pipeline.maxInFlight:`);
    expect(r.stderr).toContain(`${config}:5:3: http.tokn: unknown field "tokn"`);
    expect(server.requests).toHaveLength(0);
    const missing = await send([path.join(dir, "nope.ndjson")]);
    expect(missing).toMatchObject({ code: 1 });
    expect(missing.stderr).toMatch(/nope\.ndjson: cannot read the input file: no such file/);
    // A destination's own settings mistake (no API key) is bad input too: one message, exit 1.
    const noKey = await start(["send", "--to", "datadog", "--spool", path.join(dir, "spool")], {
      DD_SITE: "datadoghq.eu",
      DD_API_KEY: "",
    }).done;
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toBe(
      "keytos-siem: invalid --to datadog settings: no Datadog API key: export DD_API_KEY\n",
    );
  });

  it("a rejected token stops with exit 3, one message naming the problem and the fix, nothing lost", async () => {
    const { file } = writeEvents(300, 13);
    const r = await send([file], { KEYTOS_HTTP_TOKEN: "not-the-token-123" });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/dead-lettered 0, in spool 300, /);
    expect(r.stdout).toMatch(/halted: HTTP 401 \(authentication failed: check the bearer token\)/);
    expect(r.stderr).toMatch(
      /^keytos-siem: send stopped: HTTP 401 \(authentication failed: check the bearer token\).*\. Nothing was lost: 300 events stay in the spool .*; fix the above, then run send again with the same --spool to deliver them\.\n$/,
    );
    expect(r.stdout + r.stderr).not.toContain("not-the-token-123");
    const missing = await send([file], { KEYTOS_HTTP_TOKEN: "" });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/authentication failed: no token set: export KEYTOS_HTTP_TOKEN/);
  });

  it("a run whose every line is dead-lettered exits 5, not 0, and names each reason with its count", async () => {
    const config = path.join(dir, "small.yaml");
    writeFileSync(config, "http:\n  maxBytesPerEvent: 600\n");
    const [env] = [...sampleStream(1, { seed: 16 })];
    const lines = [
      "{not json",
      "[1, 2",
      JSON.stringify({ ...env, source: "Nope" }),
      JSON.stringify({ ...env, event: { ...env?.event, Details: "x".repeat(700) } }),
    ];
    const file = path.join(dir, "bad.ndjson");
    writeFileSync(file, `${lines.join("\n")}\n`);
    const r = await send(["--config", config, file]);
    expect(r.code).toBe(5);
    expect(r.stdout).toMatch(
      /^send to http: accepted 0, sent 0, retried 0, dead-lettered 4 \(malformed JSON 2, invalid envelope 1, too large 1\), in spool 0, /,
    );
    expect(r.stderr).toMatch(
      /^keytos-siem: 4 lines set aside \(malformed JSON 2, invalid envelope 1, too large 1\) in .*http\.deadletter\.ndjson: fix the cause, then send --replay-dead-letters\n$/,
    );
    const json = await send(["--config", config, "--json", file]);
    expect(json.code).toBe(5);
    expect(JSON.parse(json.stdout)).toMatchObject({
      deadLettered: 4,
      deadLetters: { malformedJson: 2, invalidEnvelope: 1, tooLarge: 1, tooOld: 0, rejectedByDestination: 0 },
    });
  });

  it("--replay-dead-letters: replays each line once, through the door again; still-bad lines stay with their reason", async () => {
    const spool = path.join(dir, "spool");
    const deadLetters = path.join(spool, "http.deadletter.ndjson");
    // The destination condemns the first batch (400); two lines are not JSON.
    server.script({ status: 400, body: '{"error":"schema mismatch"}' });
    const { file, ids } = writeEvents(300, 17, ["{not json", "{also not"]);
    const first = await send(["--json", file]);
    expect(first.code).toBe(5);
    expect(JSON.parse(first.stdout)).toMatchObject({
      sent: 0,
      deadLettered: 302,
      deadLetters: { rejectedByDestination: 300, malformedJson: 2 },
    });
    expect(server.unique).toBe(0);

    // The destination is fixed: the condemned events are delivered, the malformed lines stay dead-lettered.
    const replay = await send(["--replay-dead-letters", "--json"]);
    expect(replay.code).toBe(5);
    expect(JSON.parse(replay.stdout)).toMatchObject({
      replayed: { lines: 302, accepted: 300, deadLettered: 2 },
      sent: 300,
      deadLettered: 2,
      deadLetters: { malformedJson: 2, rejectedByDestination: 0 },
      inSpool: 0,
    });
    expect(ids.every((id) => server.received.get(id) === 1)).toBe(true);
    const left = readFileSync(deadLetters, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(left.map((d) => [d.cause, d.line])).toEqual([
      ["malformedJson", "{not json"],
      ["malformedJson", "{also not"],
    ]);
    expect(left[0].reason).toMatch(/^not valid JSON: /);
    expect(readdirSync(spool).filter((f) => f.includes(".replay-"))).toEqual([]);

    // Nothing is replayed twice: a second replay sees only what is still dead-lettered.
    const again = await send(["--replay-dead-letters"]);
    expect(again.code).toBe(5);
    expect(again.stdout).toMatch(/^replayed 2 dead letters: 0 back in the spool, 2 dead-lettered again\n/);
    expect(server.duplicates).toBe(0);

    // With nothing set aside, a replay says so and exits 0.
    writeFileSync(deadLetters, "");
    const none = await send(["--replay-dead-letters"]);
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/^replayed 0 dead letters: 0 back in the spool, 0 dead-lettered again\n/);
    expect(existsSync(deadLetters)).toBe(false);
  });

  it("send --help lists every exit code", async () => {
    const r = await start(["send", "--help"]).done;
    expect(r.code).toBe(0);
    for (const code of ["0", "1", "2", "3", "4", "5", "130"])
      expect(r.stdout).toMatch(new RegExp(`^  ${code} +\\w`, "m"));
    expect(r.stdout).toContain("--replay-dead-letters");
    // The README documents the same codes.
    const readme = readFileSync(path.resolve(__dirname, "..", "README.md"), "utf8");
    for (const [code] of SEND_EXIT_HELP) expect(readme).toMatch(new RegExp(`^\\| ${code} \\| \\w`, "m"));
  });

  it("kill -9 mid-stream, restart on the same spool: every accepted event arrives", async () => {
    server.delayMs = 150; // a slow destination keeps most events in the spool
    const { file, ids } = writeEvents(3000, 14);
    const config = path.join(dir, "slow.yaml");
    writeFileSync(config, "pipeline:\n  maxInFlight: 1\n  lingerMs: 10\nhttp:\n  maxEventsPerRequest: 200\n");
    const spool = path.join(dir, "spool");
    const first = start(["send", "--to", "http", "--spool", spool, "--config", config, file]);

    // Wait until every input event is accepted (in the spool or already received) and the
    // destination has some of them: then kill -9 while batches are in flight.
    const accepted = () => {
      try {
        const db = new DatabaseSync(path.join(spool, "http.spool.sqlite"), { readOnly: true });
        const spooled = new Set(
          (db.prepare("SELECT ids FROM chunks").all() as { ids: string }[]).flatMap((r) => r.ids.split("\n")),
        );
        db.close();
        return { all: ids.every((id) => spooled.has(id) || server.received.has(id)), spooled: spooled.size };
      } catch {
        return { all: false, spooled: 0 };
      }
    };
    const deadline = Date.now() + 20_000;
    while (!(accepted().all && server.unique > 0) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 25));
    const before = accepted();
    expect(before.all).toBe(true);
    expect(before.spooled).toBeGreaterThan(0);
    first.child.kill("SIGKILL");
    const killed = await first.done;
    expect(killed.code).toBeNull();
    const receivedBeforeRestart = server.unique;
    expect(receivedBeforeRestart).toBeLessThan(3000);

    server.delayMs = 0;
    const second = await start(["send", "--to", "http", "--spool", spool, "--config", config, "--json", "-"])
      .done;
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ accepted: 0, inSpool: 0 });
    expect(ids.filter((id) => !server.received.has(id))).toEqual([]);
    // At-least-once: duplicates are allowed (the batch in flight at the kill), losses are not.
    expect(server.duplicates).toBeLessThanOrEqual(200);
  });

  it("a spool written by the former better-sqlite3 code opens unchanged and delivers its events", async () => {
    // test/fixtures/spool-better-sqlite3: 30 events in chunks of 10, written and released by the
    // spool on better-sqlite3 12 (WAL): chunk 1 delivered (deleted), chunk 2 delivered up to its
    // 4th event, chunk 3 untouched; pending.json lists the RecordIds on each side.
    const fixture = path.resolve(__dirname, "fixtures", "spool-better-sqlite3");
    const { delivered, pending } = JSON.parse(readFileSync(path.join(fixture, "pending.json"), "utf8")) as {
      delivered: string[];
      pending: string[];
    };
    const spool = path.join(dir, "spool");
    mkdirSync(spool);
    copyFileSync(path.join(fixture, "http.spool.sqlite"), path.join(spool, "http.spool.sqlite"));
    const r = await start(["send", "--to", "http", "--spool", spool, "--json", "-"]).done;
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ accepted: 0, sent: pending.length, inSpool: 0 });
    expect(pending.filter((id) => !server.received.has(id))).toEqual([]);
    expect(delivered.filter((id) => server.received.has(id))).toEqual([]);
  });

  it("SIGTERM stops reading stdin, flushes what was accepted, then exits", async () => {
    server.delayMs = 50;
    const events = [...sampleStream(1500, { seed: 15 })];
    const run = start(["send", "--to", "http", "--spool", path.join(dir, "spool"), "-"], {}, true);
    run.child.stdin?.write(`${events.map((e) => JSON.stringify(e)).join("\n")}\n`); // stdin stays open
    const deadline = Date.now() + 15_000;
    while (server.unique === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    run.child.kill("SIGTERM");
    const r = await run.done;
    expect(r.stderr).toMatch(/SIGTERM: stopping input, flushing for up to 30s/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/accepted 1500, sent 1500/);
    expect(events.every((e) => server.received.has(e.event.RecordId))).toBe(true);
  });

  it("SIGTERM while reading is paused behind a slow destination: stops cleanly, nothing lost", async () => {
    server.delayMs = 300; // the queue fills and the reader waits for the senders
    const events = [...sampleStream(20_000, { seed: 16 })];
    const spool = path.join(dir, "spool");
    const run = start(["send", "--to", "http", "--spool", spool, "--drain-timeout", "1", "-"], {}, true);
    run.child.stdin?.on("error", () => undefined); // it stops reading: the rest of the write is refused
    run.child.stdin?.write(`${events.map((e) => JSON.stringify(e)).join("\n")}\n`); // stdin stays open
    const deadline = Date.now() + 15_000;
    while (server.unique === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    run.child.kill("SIGTERM");
    const r = await run.done;
    expect(r.stderr).not.toMatch(/ERR_USE_AFTER_CLOSE|at .*\.ts:\d+/);
    expect([0, 4]).toContain(r.code); // delivered, or some left in the spool for the next run
    // Whatever was accepted and not delivered is in the spool: a second run delivers the rest.
    const accepted = Number(/accepted (\d+)/.exec(r.stdout)?.[1]);
    expect(accepted).toBeGreaterThan(0);
    server.delayMs = 0;
    const again = await start(["send", "--to", "http", "--spool", spool]).done;
    expect(again.code).toBe(0);
    const delivered = events.filter((e) => server.received.has(e.event.RecordId)).length;
    expect(delivered).toBe(accepted);
  });

  it("a second send on a spool in use exits 1 with a clear message", async () => {
    const spool = path.join(dir, "spool");
    const holder = start(["send", "--to", "http", "--spool", spool, "-"], {}, true);
    const deadline = Date.now() + 10_000;
    const dbFile = path.join(spool, "http.spool.sqlite");
    while (Date.now() < deadline) {
      try {
        const db = new DatabaseSync(dbFile, { readOnly: true });
        const owner = db.prepare("SELECT pid FROM owner").get();
        db.close();
        if (owner) break;
      } catch {
        // not created yet
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    const second = await send([]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(`is in use by another keytos-siem send \\(pid ${holder.child.pid}\\)`),
    );
    expect(second.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    holder.child.stdin?.end();
    expect((await holder.done).code).toBe(0);
  });
});
