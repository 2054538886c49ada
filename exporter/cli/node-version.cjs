// The Node.js this project runs on is package.json's engines (">=MAJOR.MINOR"). Checked before
// anything loads (plain CommonJS, so any Node can read it), by the CLI and by .ci/run: an older
// Node gets one line naming the fix instead of a failure deep inside a module.
"use strict";
const { engines } = require("../../package.json");

/** What is wrong with running on Node `version` ("22.13.0"), or undefined when it is new enough. */
function nodeVersionProblem(version) {
  const [needMajor, needMinor] = /(\d+)\.(\d+)/.exec(engines.node).slice(1).map(Number);
  const [major, minor] = version.split(".").map(Number);
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return undefined;
  return `Node.js ${needMajor}.${needMinor} or newer is needed (this is ${version}): install Node.js ${needMajor} LTS, see README (Prerequisites)`;
}

module.exports = { nodeVersionProblem };
