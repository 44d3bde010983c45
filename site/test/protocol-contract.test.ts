import { describe, expect, it } from "vitest";
import { ServerMessage } from "../../lab-agent/src/terminal/protocol.ts";
import { ProgressLine } from "../src/lib/agent-api.ts";
import { commandKeys, parseServerFrame, splitInput } from "../src/lib/terminal-protocol.ts";

// The page keeps its own (small, zod/mini) copy of the agent's frame schemas. These samples go
// through both sides, so a change on either one shows up here rather than in a learner's browser.
const terminal = {
  id: "0123456789abcdef0123456789abcdef",
  node: "laptop",
  cols: 120,
  rows: 40,
  createdAt: "2025-01-01T00:00:00.000Z",
  clients: 1,
  exitCode: null,
};
const frames = [
  { type: "ready", terminal, replayBytes: 512, role: "controller", controlFree: false },
  { type: "role", role: "viewer", controlFree: true },
  { type: "size", cols: 100, rows: 30 },
  { type: "exit", code: 0, signal: null },
  { type: "error", code: "not-found", message: "no such terminal" },
  { type: "pong", t: 12 },
];

describe("terminal frames, agent and page", () => {
  it.each(frames)("both sides accept $type", (frame) => {
    expect(ServerMessage.safeParse(frame).success).toBe(true);
    expect(parseServerFrame(JSON.stringify(frame))).toEqual(frame);
  });

  it("ignores text the agent would never send", () => {
    expect(parseServerFrame("not json")).toBeUndefined();
    expect(
      parseServerFrame(JSON.stringify({ type: "ready", terminal: { ...terminal, id: "x" } })),
    ).toBeUndefined();
  });

  it("splits long pastes below the agent's input limit, never inside a surrogate pair", () => {
    const text = `${"a".repeat(9)}😀${"b".repeat(5)}`;
    const pieces = splitInput(text, 10);
    expect(pieces.join("")).toBe(text);
    expect(pieces.every((p) => p.length <= 10)).toBe(true);
    expect(pieces[0]).toBe("a".repeat(9));
  });

  it("turns a command into keystrokes, with Ctrl-C first when asked", () => {
    expect(commandKeys("ls\npwd\n", false)).toBe("ls\rpwd\r");
    expect(commandKeys("top", true)).toBe("\x03top\r");
  });
});

describe("lab action stream lines", () => {
  it.each([
    { kind: "step", id: "nodes", title: "Starting nodes" },
    { kind: "done", id: "nodes", title: "Starting nodes", seconds: 1.5 },
    { kind: "info", message: "hello" },
    { kind: "log", id: "site", line: "building" },
    { kind: "result", result: { nodes: [] } },
    { kind: "error", error: { code: "conflict", message: "busy", hint: "wait" } },
  ])("parses $kind", (line) => {
    expect(ProgressLine.safeParse(line).success).toBe(true);
  });
});

describe("the swarm view, agent and page", () => {
  it("a view the agent serves parses on the page", async () => {
    const { SwarmView: AgentSwarmView } = await import("../../lab-agent/src/lab/swarm-view.ts");
    const { SwarmView: PageSwarmView } = await import("../src/lib/agent-api.ts");
    const view = {
      nodes: [{ id: "n1", hostname: "manager-1", role: "manager", state: "ready", availability: "active" }],
      services: [
        {
          id: "s1",
          name: "reg-case_case-api",
          image: "registry:5000/app@sha256:00",
          mode: "replicated",
          desired: 2,
          running: 1,
        },
      ],
      tasks: [
        {
          id: "t1",
          serviceId: "s1",
          nodeId: "n1",
          slot: 1,
          state: "running",
          desiredState: "running",
          error: null,
        },
      ],
    };
    const served = AgentSwarmView.parse(view);
    expect(PageSwarmView.parse(served)).toEqual(view);
  });
});
