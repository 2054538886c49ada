/** A machine without Java or Python gets a message saying what to install, not a stack trace. */
import { afterEach, describe, expect, it } from "vitest";
import { MissingPrerequisite, requireJava, requireKcat, requireMaven, requirePython } from "./prereqs";

const PATH = process.env.PATH;
afterEach(() => {
  process.env.PATH = PATH;
});

describe("prerequisite checks", () => {
  it("pass on this machine (the services test proves the rest)", () => {
    expect(() => requireJava()).not.toThrow();
    expect(requirePython()).toMatch(/python/);
  });

  it.each([
    [
      "Java",
      requireJava,
      /Java is not installed.*\n.*How to fix: install a JDK 17\+ \(Debian\/Ubuntu: apt-get install openjdk-17-jre-headless\)/,
    ],
    ["Maven", requireMaven, /Maven is not installed.*\n.*apt-get install maven/],
    ["Python", requirePython, /Python 3\.9\+ is not installed.*\n.*apt-get install python3 python3-venv/],
    ["kcat", requireKcat, /kcat is not installed.*\n.*apt-get install kcat/],
  ])("names what to install when %s is missing", (_name, check, message) => {
    process.env.PATH = "/nonexistent";
    expect(check).toThrow(MissingPrerequisite);
    expect(check).toThrow(message);
  });
});
