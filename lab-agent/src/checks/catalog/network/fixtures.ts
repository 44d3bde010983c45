import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Inspect } from "./shared.ts";

/** Test helpers: recorded inspect answers (a real lab, Docker 26.1, see fixtures/README.md). */
const DIR = join(dirname(fileURLToPath(import.meta.url)), "fixtures");

export function fixtureJson<T>(path: string): T {
  return JSON.parse(readFileSync(join(DIR, path), "utf8")) as T;
}

/** A recorded `docker inspect` of a container, with changes. */
export function inspect(name: string, change: (i: Inspect) => void = () => {}): Inspect {
  const info = fixtureJson<Inspect>(`inspect/${name}.json`);
  change(info);
  return info;
}

/** A recorded container renamed (the checks find the app and the database by name). */
export function renamed(name: string, as: string, change: (i: Inspect) => void = () => {}): Inspect {
  return inspect(name, (i) => {
    i.Name = `/${as}`;
    change(i);
  });
}
