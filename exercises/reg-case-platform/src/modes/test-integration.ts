import type { TestIntegrationConfig } from "../config.ts";
import { type ExitCode as Code, ExitCode } from "../errors.ts";
import type { Logger } from "../logger.ts";

/**
 * The `test-runner` of compose.test.yml: real HTTP tests against a running api (API_URL), with the
 * worker behind it writing the audit trail. One line per test, then one summary line; exit 0 only
 * when every test passed, 1 when any failed.
 */
export interface TestOutcome {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

export interface RunResult {
  outcomes: TestOutcome[];
  passed: number;
  failed: number;
  seconds: number;
  summary: string;
}

interface Response {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: responses are checked field by field
  json: any;
  text: string;
}

const REQUEST_TIMEOUT_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Failure extends Error {}

function expectThat(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Failure(message);
}

function show(r: Response): string {
  return `${r.status} ${r.text.slice(0, 200)}`;
}

export function makeClient(apiUrl: string) {
  return async function call(method: string, path: string, body?: unknown): Promise<Response> {
    let response: globalThis.Response;
    try {
      response = await fetch(`${apiUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new Failure(
        `${method} ${apiUrl}${path} got no answer: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
      );
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, json, text };
  };
}

/** The lifecycle the tests walk, as the worker must record it (the opening event first). */
const PATH = ["investigating", "enforcement", "closed"] as const;

export async function runTests(
  config: Pick<TestIntegrationConfig, "apiUrl" | "readyTimeoutMs" | "auditTimeoutMs">,
  write: (line: string) => void,
): Promise<RunResult> {
  const call = makeClient(config.apiUrl);
  const state: { id?: string; title: string } = {
    title: `Integration test ${new Date().toISOString()} ${Math.random().toString(36).slice(2, 8)}`,
  };
  const needCase = () => {
    expectThat(state.id, "no case to test: opening one failed above");
    return state.id;
  };

  const tests: Array<[string, () => Promise<void>]> = [
    [
      "the api is ready (GET /ready: PostgreSQL and Redis answer)",
      async () => {
        const deadline = Date.now() + config.readyTimeoutMs;
        let last = "";
        for (;;) {
          try {
            const r = await call("GET", "/ready");
            if (r.status === 200) return;
            last = show(r);
          } catch (error) {
            last = (error as Error).message;
          }
          if (Date.now() >= deadline)
            throw new Failure(`not ready within ${config.readyTimeoutMs} ms: ${last}`);
          await sleep(500);
        }
      },
    ],
    [
      "a report opens a case (POST /reports → 201, status open)",
      async () => {
        const r = await call("POST", "/reports", {
          title: state.title,
          description: "Loans at 30% a month, no licence shown.",
          reporter: "integration-test",
          severity: "high",
        });
        expectThat(r.status === 201, `expected 201, got ${show(r)}`);
        expectThat(r.json?.status === "open", `expected status open, got ${JSON.stringify(r.json?.status)}`);
        expectThat(typeof r.json?.id === "string", "the new case has no id");
        state.id = r.json.id;
      },
    ],
    [
      "the case reads back (GET /cases/:id)",
      async () => {
        const r = await call("GET", `/cases/${needCase()}`);
        expectThat(r.status === 200, `expected 200, got ${show(r)}`);
        expectThat(
          r.json?.title === state.title,
          `expected the title sent, got ${JSON.stringify(r.json?.title)}`,
        );
      },
    ],
    [
      "a report without a title is refused (400 JSON error)",
      async () => {
        const r = await call("POST", "/reports", { description: "no title", reporter: "integration-test" });
        expectThat(r.status === 400, `expected 400, got ${show(r)}`);
        expectThat(typeof r.json?.error?.code === "string", `expected a JSON error, got ${show(r)}`);
      },
    ],
    [
      `the case moves open → ${PATH.join(" → ")} (POST /cases/:id/transitions)`,
      async () => {
        const id = needCase();
        for (const to of PATH) {
          const r = await call("POST", `/cases/${id}/transitions`, { to, actor: "integration-test" });
          expectThat(r.status === 200, `moving to ${to}: expected 200, got ${show(r)}`);
          expectThat(r.json?.status === to, `moving to ${to}: the case is ${JSON.stringify(r.json?.status)}`);
        }
      },
    ],
    [
      "a closed case cannot reopen (409 illegal_transition)",
      async () => {
        const r = await call("POST", `/cases/${needCase()}/transitions`, { to: "open" });
        expectThat(r.status === 409, `expected 409, got ${show(r)}`);
        expectThat(
          r.json?.error?.code === "illegal_transition",
          `expected illegal_transition, got ${show(r)}`,
        );
      },
    ],
    [
      "the worker writes the audit trail (GET /cases/:id/audit: 4 rows, in order)",
      async () => {
        const id = needCase();
        const want = ["→open", "open→investigating", "investigating→enforcement", "enforcement→closed"];
        const deadline = Date.now() + config.auditTimeoutMs;
        let seen: string[] = [];
        let last = "";
        for (;;) {
          const r = await call("GET", `/cases/${id}/audit`);
          if (r.status === 200 && Array.isArray(r.json?.items)) {
            seen = r.json.items.map(
              (i: { fromStatus: string | null; toStatus: string }) => `${i.fromStatus ?? ""}→${i.toStatus}`,
            );
            if (seen.length >= want.length) break;
          } else last = show(r);
          if (Date.now() >= deadline)
            throw new Failure(
              `after ${config.auditTimeoutMs} ms the audit trail has ${seen.length} of ${want.length} rows${last ? ` (${last})` : ""}: is the worker running?`,
            );
          await sleep(250);
        }
        expectThat(
          JSON.stringify(seen) === JSON.stringify(want),
          `expected ${want.join(", ")}, got ${seen.join(", ")}`,
        );
      },
    ],
  ];

  const t0 = performance.now();
  const outcomes: TestOutcome[] = [];
  for (const [i, [name, fn]] of tests.entries()) {
    const start = performance.now();
    try {
      await fn();
      const ms = Math.round(performance.now() - start);
      outcomes.push({ name, ok: true, ms });
      write(`ok ${i + 1} - ${name} (${ms} ms)`);
    } catch (error) {
      const ms = Math.round(performance.now() - start);
      const message = error instanceof Failure ? error.message : `unexpected error: ${String(error)}`;
      outcomes.push({ name, ok: false, ms, error: message });
      write(`not ok ${i + 1} - ${name} (${ms} ms)\n  # ${message}`);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const passed = outcomes.filter((o) => o.ok).length;
  const failed = outcomes.length - passed;
  const summary = `test-integration: ${failed === 0 ? "PASS" : "FAIL"} ${passed} passed, ${failed} failed of ${outcomes.length} in ${seconds.toFixed(1)} s against ${config.apiUrl}`;
  write(summary);
  return { outcomes, passed, failed, seconds, summary };
}

export async function runTestIntegration(config: TestIntegrationConfig, log: Logger): Promise<Code> {
  log.debug({ apiUrl: config.apiUrl }, "integration tests starting");
  const result = await runTests(config, (line) => process.stdout.write(`${line}\n`));
  return result.failed === 0 ? ExitCode.ok : ExitCode.failure;
}
