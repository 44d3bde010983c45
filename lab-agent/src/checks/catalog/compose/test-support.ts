import { readFileSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import type { ComposeProjectFacts } from "../../collectors/compose-project.ts";
import { Params } from "./common.ts";

/**
 * Test helpers: fixtures/recorded/<variant>.json is what the laptop's Compose 2.26 made of
 * fixtures/models/<variant>/ (record.ts, the collector's own argv); fixtures/solved.containers.json
 * is `docker inspect` of the project's five containers on laptop right after `drydock solve h09-10`.
 */
const DIR = join(import.meta.dirname, "fixtures");
export const params = Params.parse({});

export type Ctr = Docker.ContainerInspectInfo;
export const solvedContainers = (): Ctr[] =>
  JSON.parse(readFileSync(join(DIR, "solved.containers.json"), "utf8")) as Ctr[];

export function service(cs: Ctr[], name: string): Ctr {
  const c = cs.find((x) => x.Config.Labels?.["com.docker.compose.service"] === name);
  if (!c) throw new Error(`no ${name} in the fixture`);
  return c;
}

/**
 * A recorded variant as the collector returns it. `running`: the solved containers, edited, with
 * their config_files label set to the variant's files (as `up` with those files labels them).
 */
export function facts(variant: string, running?: false | ((cs: Ctr[]) => void)): ComposeProjectFacts {
  const rec = JSON.parse(readFileSync(join(DIR, "recorded", `${variant}.json`), "utf8")) as Omit<
    ComposeProjectFacts,
    "containers"
  >;
  if (running === undefined || running === false) return { ...rec, containers: [] };
  const cs = solvedContainers();
  for (const c of cs)
    (c.Config.Labels as Record<string, string>)["com.docker.compose.project.config_files"] =
      rec.files.join(",");
  running(cs);
  return { ...rec, filesFrom: "label", containers: cs };
}

export const solved = () => {};
