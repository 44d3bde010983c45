import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type Docker from "dockerode";
import { type TopResult, topFromText } from "../../probes/process-tree.ts";

/** Test helpers: the recorded fixtures under fixtures/ (a real lab, Docker 26, case-api solved). */
const DIR = join(dirname(fileURLToPath(import.meta.url)), "fixtures");

export function fixtureText(path: string): string {
  return readFileSync(join(DIR, path), "utf8");
}

/** The solved case-api's inspect answer, with changes. */
export function caseApi(
  change: (i: Docker.ContainerInspectInfo) => void = () => {},
): Docker.ContainerInspectInfo {
  const info = JSON.parse(fixtureText("case-api.inspect.json")) as Docker.ContainerInspectInfo;
  change(info);
  return info;
}

/** A `docker top -o pid,ppid,args` text, with an optional `# State.Pid=N` first line. */
export function topFixture(text: string): { top: TopResult; pid: number } {
  const lines = text.trim().split("\n");
  const header = /^# State\.Pid=(\d+)/.exec(lines[0] ?? "");
  const body = header ? lines.slice(1).join("\n") : text;
  const top = topFromText(body);
  const pid = header ? Number(header[1]) : Number(top.Processes[0]?.[0]);
  return { top, pid };
}
