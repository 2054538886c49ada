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
