#!/usr/bin/env node
// Entry point of the `keytos-siem` command: runs the TypeScript CLI through tsx's require hook,
// so the project needs no build step (the same sources Pulumi and vitest run).
"use strict";
const tooOld = require("./node-version.cjs").nodeVersionProblem(process.versions.node);
if (tooOld) {
  console.error(`keytos-siem: ${tooOld}`);
  process.exit(1);
}
// V8's compiled code for every module (ours through tsx, and the dependencies') kept on disk
// between runs: about 50 ms less start-up CPU for `send` (measured, BENCHMARKS.md).
require("node:module").enableCompileCache?.();
require("tsx/cjs/api").register();
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
