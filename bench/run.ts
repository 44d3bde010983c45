/**
 * `npm run bench -- <name> [options]`: runs one benchmark and prints its figures,
 * one per line as `name value unit`. Benchmarks measure; they never pass or fail.
 */
const benches: Record<string, () => Promise<{ run: (args: string[]) => Promise<void> }>> = {
  lab: () => import("./lab.ts"),
  images: () => import("./images.ts"),
  site: () => import("./site.ts"),
  terminal: () => import("./terminal.ts"),
  checks: () => import("./checks.ts"),
  cli: () => import("./cli.ts"),
  workshop: () => import("./workshop.ts"),
};

const [name, ...args] = process.argv.slice(2);
const load = name ? benches[name] : undefined;
if (!load) {
  process.stderr.write(`Usage: npm run bench -- <${Object.keys(benches).join("|")}> [options]\n`);
  process.exit(2);
}
await (await load()).run(args);
