import { describe, expect, it } from "vitest";
import { listPages, parseMeta, parsePage, readPage } from "../support/page-steps.ts";

const PAGE = `---
title: t
---
import RunCommand from "../../../components/RunCommand.astro";
import StartingPoint from "../../../components/StartingPoint.astro";

<StartingPoint after="h15-16" />

<RunCommand cmd={\`echo one
echo 'two'\`} />

<RunCommand node="manager-1" exit={3} expect="^three$" timeout={30} cmd={\`exit 3\`} />

<RunCommand illustration cmd={\`docker swarm join --token …\`} />

\`\`\`yaml file=reg-case-platform/stack.yml
services: {}
\`\`\`

\`\`\`sh step node=worker-1 live timeout=5
docker events
\`\`\`

\`\`\`sh
docker pause drydock-default-registry
\`\`\`
`;

describe("page steps", () => {
  it("reads RunCommand props, step and file fences, the starting point, in order; skips illustrations", () => {
    const p = parsePage("hours/x", PAGE);
    expect(p.after).toBe("h15-16");
    expect(p.illustrations).toBe(1);
    expect(p.steps.map((s) => s.kind)).toEqual(["command", "command", "file", "command"]);
    const [one, three, file, live] = p.steps;
    expect(one).toMatchObject({ cmd: "echo one\necho 'two'", node: "laptop", exit: 0, live: false, line: 9 });
    expect(three).toMatchObject({ node: "manager-1", exit: 3, timeout: 30 });
    expect(three?.kind === "command" && three.expect?.test("three")).toBe(true);
    expect(file).toMatchObject({
      kind: "file",
      path: "reg-case-platform/stack.yml",
      content: "services: {}\n",
    });
    expect(live).toMatchObject({ node: "worker-1", live: true, timeout: 5, cmd: "docker events" });
  });

  it("reads a starting point after a step, or one that forms the swarm, as a step of its own", () => {
    const p = parsePage(
      "x",
      [
        `<RunCommand node="manager-1" cmd="docker swarm init" />`,
        `<StartingPoint swarm />`,
        `<RunCommand node="manager-1" cmd="docker node ls" />`,
        `<StartingPoint after="h15-16" />`,
        `<RunCommand cmd="ls" />`,
      ].join("\n\n"),
    );
    expect(p.after).toBeUndefined();
    expect(p.steps.map((s) => s.kind)).toEqual(["command", "start", "command", "start", "command"]);
    expect(p.steps[1]).toMatchObject({ kind: "start", swarm: true, after: undefined, line: 3 });
    expect(p.steps[3]).toMatchObject({ kind: "start", swarm: false, after: "h15-16", line: 7 });
    // Before every step: the page's starting point; a second one later is a step.
    const q = parsePage(
      "y",
      `<StartingPoint after="h15-16" />\n\n<RunCommand cmd="ls" />\n\n<StartingPoint after="h18" />`,
    );
    expect(q.after).toBe("h15-16");
    expect(q.steps.map((s) => (s.kind === "start" ? s.after : s.kind))).toEqual(["command", "h18"]);
    // A swarm first does not make the page's starting point.
    expect(parsePage("z", `<StartingPoint swarm />\n\n<RunCommand cmd="ls" />`).after).toBeUndefined();
  });

  it("refuses what it cannot read: an unknown node, a starting point of neither or both kinds, a computed prop", () => {
    expect(() => parsePage("x", `<RunCommand node="laptop2" cmd="ls" />`)).toThrow(/node must be one of/);
    expect(() => parsePage("x", `<StartingPoint />`)).toThrow(/one of the two/);
    expect(() => parsePage("x", `<StartingPoint swarm after="h15-16" />`)).toThrow(/one of the two/);
    expect(() => parsePage("x", ["<RunCommand cmd={`a $", "{b}`} />"].join(""))).toThrow(/not a literal/);
    expect(() => parsePage("x", `<StartingPoint after="h99" />`)).toThrow(/must name a block/);
  });

  it("reads fence meta as key=value words", () => {
    expect(parseMeta('sh step node=manager-1 expect="a b" exit=1')).toEqual({
      sh: true,
      step: true,
      node: "manager-1",
      expect: "a b",
      exit: "1",
    });
  });

  // Parses every page (tens of MDX files): seconds on a quiet machine, more under a loaded one.
  it("every page of the site parses, in course order", { timeout: 60_000 }, () => {
    const ids = listPages();
    expect(ids.indexOf("hours/h03-04")).toBeLessThan(ids.indexOf("hours/h17"));
    expect(ids.indexOf("hours/h20")).toBeLessThan(ids.indexOf("drills/container-crash"));
    for (const id of ids) expect(() => readPage(id), id).not.toThrow();
  });
});
