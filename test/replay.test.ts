/**
 * Dead-letter replay on its own: the file is moved aside before anything is read, a replay cut
 * short resumes where it stopped (no line fed twice, none skipped), and what each dead letter
 * gives back is the line refused at the door or the event the destination rejected.
 */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { claimDeadLetters, replayFile } from "../exporter/pipeline/replay";

const entry = (i: number) =>
  JSON.stringify(
    i % 2 === 0
      ? { cause: "malformedJson", reason: "not valid JSON", line: `line-${i}` }
      : { cause: "rejectedByDestination", reason: "HTTP 400", event: { n: i } },
  );
const expected = (i: number) => (i % 2 === 0 ? `line-${i}` : JSON.stringify({ n: i }));

function deadLetterFile(n: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), "keytos-replay-"));
  const file = path.join(dir, "http.deadletter.ndjson");
  writeFileSync(file, `${Array.from({ length: n }, (_, i) => entry(i)).join("\n")}\n`);
  return file;
}

describe("dead-letter replay", () => {
  it("moves the file aside first, feeds back each line or event once, then deletes it", async () => {
    const file = deadLetterFile(2500);
    const files = claimDeadLetters(file);
    expect(files).toHaveLength(1);
    expect(path.basename(files[0] as string)).toMatch(/^http\.deadletter\.replay-\d+\.ndjson$/);
    expect(existsSync(file)).toBe(false); // dead letters of this run start a new file
    const fed: string[] = [];
    const counts = await replayFile(files[0] as string, async (lines) => {
      fed.push(...lines);
      return { accepted: lines.length - 1, deadLettered: 1 };
    });
    expect(fed).toEqual(Array.from({ length: 2500 }, (_, i) => expected(i)));
    expect(counts).toEqual({ lines: 2500, accepted: 2497, deadLettered: 3 }); // 3 commits of 1000
    expect(readdirSync(path.dirname(file))).toEqual([]);
    expect(claimDeadLetters(file)).toEqual([]);
  });

  it("a replay cut short resumes after the last commit: no line fed twice, none skipped", async () => {
    const file = deadLetterFile(2500);
    const [aside] = claimDeadLetters(file) as [string];
    const fed: string[] = [];
    let commits = 0;
    const crashing = async (lines: readonly string[]) => {
      if (++commits === 2) throw new Error("killed"); // the process dies during its second commit
      fed.push(...lines);
      return { accepted: lines.length, deadLettered: 0 };
    };
    await expect(replayFile(aside, crashing)).rejects.toThrow("killed");
    expect(fed).toHaveLength(1000);

    // Meanwhile new dead letters arrived; the next replay takes the interrupted file first.
    writeFileSync(file, `${entry(9000)}\n`);
    const files = claimDeadLetters(file);
    expect(files[0]).toBe(aside);
    expect(files).toHaveLength(2);
    for (const f of files)
      await replayFile(f, async (lines) => {
        fed.push(...lines);
        return { accepted: lines.length, deadLettered: 0 };
      });
    expect(fed).toEqual([...Array.from({ length: 2500 }, (_, i) => expected(i)), expected(9000)]);
    expect(readdirSync(path.dirname(file))).toEqual([]);
  });

  it("a line that is not a dead-letter record (torn, edited) goes back to the door as it is", async () => {
    const file = deadLetterFile(0);
    writeFileSync(file, `${entry(1)}\r\n{"torn": \n`);
    const fed: string[] = [];
    for (const f of claimDeadLetters(file))
      await replayFile(f, async (lines) => {
        fed.push(...lines);
        return { accepted: 0, deadLettered: lines.length };
      });
    expect(fed).toEqual([expected(1), '{"torn": ']);
  });
});
