// How the CLI process starts fast (plain CommonJS, loaded by bin.cjs before any TypeScript).
"use strict";
const Module = require("node:module");
const os = require("node:os");
const path = require("node:path");

/**
 * Where Node's compile cache lives: $NODE_COMPILE_CACHE, else the user's cache folder
 * ($XDG_CACHE_HOME or ~/.cache), never the temporary folder Node defaults to.
 */
function compileCacheDir(env = process.env, home = os.homedir()) {
  if (env.NODE_COMPILE_CACHE) return env.NODE_COMPILE_CACHE;
  const cache =
    env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)
      ? env.XDG_CACHE_HOME
      : path.join(home, ".cache");
  return path.join(cache, "keytos-siem", "node-compile-cache");
}

/**
 * Caches the code V8 compiles (the CLI's TypeScript once tsx turned it into JavaScript, Pulumi,
 * the providers) between runs: a warm `plan` spends ~0.2 s less compiling. A folder that cannot
 * be written only means no cache; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
 */
function enableCompileCache() {
  return Module.enableCompileCache(compileCacheDir()).status;
}

/**
 * Lets `require` load the CLI's TypeScript through tsx. tsx also takes over plain `.js` files,
 * only to lex every one (~1,200 for a plan, typescript.js's 9 MB among them: ~0.2 s) in case it
 * is an ES module written without "type": "module"; Node 24 loads those itself (require(esm)),
 * so `.js` goes back to Node's own loader and tsx handles .ts alone.
 */
function registerTypeScript() {
  const nodeJs = Module._extensions[".js"];
  require("tsx/cjs/api").register();
  Module._extensions[".js"] = nodeJs;
}

module.exports = { compileCacheDir, enableCompileCache, registerTypeScript };
