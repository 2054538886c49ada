#!/usr/bin/env node
// Entry point of the `keytos-siem` command: runs the TypeScript CLI through tsx's require hook,
// so the project needs no build step (the same sources Pulumi and vitest run), with Node's
// compile cache (start-up.cjs).
"use strict";
const tooOld = require("./node-version.cjs").nodeVersionProblem(process.versions.node);
if (tooOld) {
  console.error(`keytos-siem: ${tooOld}`);
  process.exit(1);
}
// `send` runs for hours on a steady stream of short-lived objects, and V8's defaults let the young
// generation grow to 64 MiB and the old one to several times what is live: 200-300 MiB resident.
// A 16 MiB young generation and an old one grown by 75% of what is live keep it near 140 MiB for
// ~10% more CPU (BENCHMARKS.md). Heap sizes are fixed when node starts: the process replaces
// itself (same pid) with these flags, unless NODE_OPTIONS already sizes the heap.
const SEND_V8_FLAGS = ["--max-semi-space-size=8", "--heap-growing-percent=75"];
if (
  process.argv[2] === "send" &&
  typeof process.execve === "function" &&
  !process.execArgv.includes(SEND_V8_FLAGS[0]) &&
  !/--max-(semi|old)-space-size/.test(process.env.NODE_OPTIONS ?? "")
) {
  process.execve(
    process.execPath,
    [process.execPath, ...process.execArgv, ...SEND_V8_FLAGS, __filename, ...process.argv.slice(2)],
    process.env,
  );
}
const startUp = require("./start-up.cjs");
startUp.enableCompileCache();
startUp.registerTypeScript();
// `keytos-siem ... | head` closes the pipe early: that is not an error.
process.stdout.on("error", (err) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});
require("./main.ts")
  .main(process.argv)
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(`keytos-siem: ${err?.stack ?? err}`);
      process.exitCode = 2;
    },
  );
