#!/usr/bin/env node
// Runs the compiled CLI (lab-agent/dist, see cli-build.mjs), compiling it first when a source
// changed since the last build: edit a .ts file and run `drydock`, no build step in between.
import { pathToFileURL } from "node:url";
import { freshCli } from "./cli-build.mjs";

let entry;
try {
  entry = await freshCli();
} catch (err) {
  process.stderr.write(`${err.compile ? err.message : err.stack}\n`);
  process.exit(1);
}
if (process.env.DRYDOCK_DEBUG) process.setSourceMapsEnabled(true);
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));
