import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QUIZZES, QuizVerdict, QuizView } from "../../src/course/quizzes.ts";
import { MIGRATIONS, SCHEMA_VERSION } from "../../src/progress/migrations.ts";
import { ProgressStore } from "../../src/progress/progress-store.ts";
import { answerKey } from "../../src/quiz/quiz-keys.ts";
import type { AgentServer } from "../../src/server/agent-server.ts";
import { startOfflineAgent } from "../support/offline-agent.ts";

/** The quiz routes on a real agent server with no lab (`--no-lab`): the guards, zod, the store. */
const home = mkdtempSync(join(tmpdir(), "drydock-quiz-"));
const token = "t".repeat(43);
let agent: AgentServer;
const KEY = answerKey("h01-02");
const quiz = QUIZZES.get("h01-02");

beforeAll(async () => {
  agent = await startOfflineAgent({
    token,
    lab: "quizlab",
    home,
  });
});
afterAll(() => agent?.close());

const call = (path: string, init: RequestInit = {}, auth = true) =>
  fetch(`${agent.origin}${path}`, {
    ...init,
    headers: {
      ...(auth ? { Authorization: `Bearer ${token}` } : {}),
      ...(init.body ? { "Content-Type": "application/json" } : {}),
      ...(init.headers as Record<string, string> | undefined),
    },
  });
const post = (answers: unknown, extra: RequestInit = {}) =>
  call("/api/quiz/h01-02", { method: "POST", body: JSON.stringify(answers), ...extra });

describe("GET/POST /api/quiz/<block>", () => {
  it("serves the questions without any answer key, and no verdict before an attempt", async () => {
    const res = await call("/api/quiz/h01-02");
    expect(res.status).toBe(200);
    const text = await res.text();
    const view = QuizView.parse(JSON.parse(text));
    expect(view.questions.map((q) => q.id)).toEqual(quiz?.questions.map((q) => q.id));
    expect(view.latest).toBeNull();
    expect(text).not.toMatch(/"(?:key|answer|correct)"/);
  });

  it("is behind the token and the Host/Origin guards like every API route", async () => {
    expect((await call("/api/quiz/h01-02", {}, false)).status).toBe(401);
    expect((await post({ answers: KEY }, { headers: { Origin: "http://evil.test" } })).status).toBe(403);
    expect((await call("/api/quiz/h01-02", { headers: { Authorization: "Bearer wrong" } })).status).toBe(401);
  });

  it.each<[string, unknown, RegExp]>([
    ["an unknown field", { answers: KEY, score: 8 }, /Invalid request body/],
    ["answers that are not an object", { answers: ["b", "c"] }, /`answers`/],
    ["an option that is not a letter", { answers: { ...KEY, "image-vs-container": "yes" } }, /option id/],
    [
      "an option the question does not have",
      { answers: { ...KEY, "image-vs-container": "f" } },
      /"f" is not an option of image-vs-container/,
    ],
    [
      "a question the quiz does not have",
      { answers: { ...KEY, "what-is-k8s": "a" } },
      /no question "what-is-k8s"/,
    ],
    [
      "a question left out",
      { answers: { ...KEY, "compose-vs-stack": undefined } },
      /not answered: compose-vs-stack/,
    ],
  ])("refuses %s with a 400 that says what is wrong", async (_what, body, message) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("usage");
    expect(error.message).toMatch(message);
  });

  it("answers 404 for a block without a quiz and 400 for a block that does not exist", async () => {
    expect((await call("/api/quiz/h03-04")).status).toBe(404);
    expect((await call("/api/quiz/h99")).status).toBe(400);
  });

  it("grades and stores each attempt; the verdict names wrong questions, never right options", async () => {
    const wrong = await post({ answers: { ...KEY, "service-vs-task": "a", "digest-identity": "a" } });
    expect(wrong.status).toBe(200);
    const text = await wrong.text();
    const verdict = QuizVerdict.parse(JSON.parse(text));
    expect(verdict).toMatchObject({
      passed: false,
      correct: 6,
      total: 8,
      wrong: ["service-vs-task", "digest-identity"],
    });
    expect(text).not.toContain('"c"');
    const right = QuizVerdict.parse(await (await post({ answers: KEY })).json());
    expect(right).toMatchObject({ passed: true, correct: 8, wrong: [] });
    const view = QuizView.parse(await (await call("/api/quiz/h01-02")).json());
    expect(view.latest).toMatchObject({ passed: true, correct: 8 });
    const store = new ProgressStore(home);
    expect(store.latestQuizAttempt("quizlab", "h01-02")).toMatchObject({
      passed: true,
      source: "page",
      answers: KEY,
    });
    expect(store.latestQuizAttempt("other-lab", "h01-02")).toBeUndefined();
    store.close();
  });
});

describe("progress.db migration 3 (quiz attempts)", () => {
  it("upgrades a database of the previous schema (2), keeping its data, and stores attempts", () => {
    const dir = mkdtempSync(join(tmpdir(), "drydock-migrate3-"));
    const old = new Database(join(dir, "progress.db"));
    for (const [i, sql] of MIGRATIONS.slice(0, 2).entries()) {
      old.exec(sql);
      old.pragma(`user_version = ${i + 1}`);
    }
    old.prepare("INSERT INTO profile (key, value) VALUES ('displayName', 'Ana')").run();
    old.close();
    const store = new ProgressStore(dir);
    expect(store.getProfile("displayName")).toBe("Ana");
    expect(store.latestQuizAttempt("l", "h01-02")).toBeUndefined();
    const at = "2026-12-02T12:00:00.000Z";
    store.saveQuizAttempt(
      "l",
      "h01-02",
      { at, passed: false, correct: 7, total: 8, wrong: ["runtime-state"] },
      {},
      "page",
    );
    store.saveQuizAttempt("l", "h01-02", { at, passed: true, correct: 8, total: 8, wrong: [] }, KEY, "solve");
    expect(store.latestQuizAttempt("l", "h01-02")).toMatchObject({ passed: true, source: "solve" });
    expect(() =>
      store.saveQuizAttempt("l", "h99", { at, passed: true, correct: 0, total: 0, wrong: [] }, {}, "page"),
    ).toThrow();
    store.close();
    const db = new Database(join(dir, "progress.db"));
    expect(db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(3);
    db.close();
  });
});
