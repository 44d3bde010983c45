// Copies Debian's npm and the node modules it needs into one self-contained folder, like the
// official image's /usr/local/lib/node_modules/npm, so the runtime image needs neither Debian's
// npm package nor the ~380 packages it pulls in (python3, gyp, eslint, webpack, headers...).
// Modules are found from package.json dependencies and from the require()s and imports in each
// package's code (tests left out): Debian renames some modules (columnify requires `wcwidth.js`)
// and leaves some out of package.json (wcwidth.js requires `defaults`).
// Usage: node bundle-npm.cjs <Debian's npm folder> <target folder>
const { cpSync, existsSync, readdirSync, readFileSync } = require("node:fs");
const { dirname, join } = require("node:path");
const { builtinModules, globalPaths } = require("node:module");

const [source, target] = process.argv.slice(2);
const builtins = new Set(builtinModules);
const walked = new Set();
const outside = new Map(); // package folder outside npm's own tree -> package name

function locate(name, from) {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
  }
  for (const dir of globalPaths) {
    const candidate = join(dir, name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
  }
  return undefined;
}

const notShipped = /^(tests?|__tests__|specs?|examples?|benchmarks?|bench|docs?|coverage|fixtures?)$/;
const testFile = /(^|[.-])(tests?|spec)\.[cm]?js$/;

/** Bare specifiers (`pkg`, `@scope/pkg`, `pkg/sub`) required or imported by the package's code, tests left out. */
function requiredNames(dir) {
  const names = new Set();
  const pattern = /(?:require\(|import\(|from\s)\s*["']([^"'./][^"']*)["']/g;
  const scan = (folder) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules" && !notShipped.test(entry.name)) scan(path);
      } else if (/\.[cm]?js$/.test(entry.name) && !testFile.test(entry.name)) {
        for (const m of readFileSync(path, "utf8").matchAll(pattern)) {
          const parts = m[1].replace(/^node:/, "").split("/");
          const name = parts[0].startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
          if (!builtins.has(name)) names.add(name);
        }
      }
    }
  };
  scan(dir);
  return names;
}

function walk(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const declared = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies });
  for (const name of new Set([...declared, ...requiredNames(dir)])) {
    const at = locate(name, dir);
    if (!at || walked.has(at)) continue;
    walked.add(at);
    if (!at.startsWith(`${source}/`)) outside.set(at, name);
    walk(at);
  }
  // Nested node_modules travel with their package but may need modules from outside.
  const nested = join(dir, "node_modules");
  if (existsSync(nested)) {
    for (const entry of readdirSync(nested)) {
      const names = entry.startsWith("@")
        ? readdirSync(join(nested, entry)).map((n) => `${entry}/${n}`)
        : [entry];
      for (const name of names) {
        const at = join(nested, name);
        if (existsSync(join(at, "package.json")) && !walked.has(at)) {
          walked.add(at);
          walk(at);
        }
      }
    }
  }
}

walk(source);
cpSync(source, target, { recursive: true, dereference: true });
for (const [at, name] of outside) {
  const to = join(target, "node_modules", name);
  if (!existsSync(to)) cpSync(at, to, { recursive: true, dereference: true });
}
console.log(`bundle-npm: npm and ${outside.size} modules from ${globalPaths.join(", ")} in ${target}`);
