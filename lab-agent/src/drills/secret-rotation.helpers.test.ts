import { describe, expect, it } from "vitest";
import type { SnapService, SwarmSnapshot } from "./drill-types.ts";
import { dbUrlRef, findValues, needlesFor, nextVersion, unreachedSharers } from "./secret-rotation.ts";
import { diffSnapshot } from "./timeline.ts";

const svc = (name: string, env: string[], secrets: Array<[string, string]>): SnapService => ({
  ID: name,
  Spec: {
    Name: `reg-case_${name}`,
    Labels: { "com.docker.stack.namespace": "reg-case" },
    TaskTemplate: {
      ContainerSpec: {
        Env: env,
        Secrets: secrets.map(([n, target]) => ({
          SecretName: n,
          SecretID: `id-${n}`,
          File: { Name: target },
        })),
      },
    },
  },
});
const snap = (services: SnapService[]): SwarmSnapshot => ({ services, tasks: [], nodes: [], secrets: [] });

describe("secret-rotation helpers", () => {
  it("names the next version: _v2 after the bare name, the next free number after a version", () => {
    expect(nextVersion("database_url", new Set())).toBe("database_url_v2");
    expect(nextVersion("database_url", new Set(["database_url_v2"]))).toBe("database_url_v3");
    expect(nextVersion("database_url_v2", new Set(["database_url_v2"]))).toBe("database_url_v3");
    expect(nextVersion("reg-case_db_password_v9", new Set())).toBe("reg-case_db_password_v10");
  });

  it("finds the database URL secret where DATABASE_URL_FILE points, else by its name", () => {
    const api = svc(
      "case-api",
      ["DATABASE_URL_FILE=/run/secrets/db"],
      [
        ["tls_cert", "cert.pem"],
        ["db_v4", "db"],
      ],
    );
    expect(dbUrlRef(api)?.SecretName).toBe("db_v4");
    expect(dbUrlRef(svc("case-api", [], [["database_url", "database_url"]]))?.SecretName).toBe(
      "database_url",
    );
    expect(dbUrlRef(svc("case-api", ["DATABASE_URL=postgres://case:x@postgres/case"], []))).toBeUndefined();
  });

  it("names the services a rotation of the secret cannot reach (the URL in env, a copy of the secret), never the database", () => {
    const s = snap([
      svc("case-api", ["DATABASE_URL_FILE=/run/secrets/database_url"], [["database_url_v2", "database_url"]]),
      svc("worker", ["DATABASE_URL=postgres://case:case-swarm-pw@postgres:5432/case"], []),
      svc("audit", ["DATABASE_URL_FILE=/run/secrets/database_url"], [["database_url_audit", "database_url"]]),
      svc(
        "postgres",
        ["POSTGRES_PASSWORD_FILE=/run/secrets/postgres_password"],
        [["postgres_password", "postgres_password"]],
      ),
    ]);
    const out = unreachedSharers(s, "reg-case", {
      old: "database_url",
      new: "database_url_v2",
      dbService: "reg-case_postgres",
    });
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/reg-case_worker has the database URL in its environment \(DATABASE_URL\)/);
    expect(out[0]).not.toMatch(/case-swarm-pw/);
    expect(out[1]).toMatch(
      /reg-case_audit reads DATABASE_URL_FILE=\/run\/secrets\/database_url from its own secret database_url_audit/,
    );
  });

  it("finds a value in a log raw or URL-encoded and masks it; the app's masked URL is no hit", () => {
    const needles = needlesFor({
      oldUrl: "postgres://case:case-swarm-pw@postgres:5432/case",
      oldPassword: "case-swarm-pw",
      newUrl: "postgres://drydock_rot_1:p%2Fw+longer@postgres:5432/case",
      newPassword: "p/w+longer",
    });
    const log = [
      '{"level":30,"msg":"starting","config":{"database":{"url":"postgres://case:***@postgres:5432/case"}}}',
      "connecting to postgres://drydock_rot_1:p%2Fw+longer@postgres:5432/case",
      "DEBUG password=case-swarm-pw",
    ].join("\n");
    const hits = findValues(log, needles);
    expect(hits.map((h) => [h.which, h.line])).toEqual([
      ["the new password", 2],
      ["the old password", 3],
    ]);
    for (const h of hits) expect(h.excerpt).not.toMatch(/case-swarm-pw|p%2Fw|p\/w\+longer/);
    expect(hits[1]?.excerpt).toBe("DEBUG password=‹redacted›");
  });

  it("searches a short password only where it sits in a URL (user:password@)", () => {
    const needles = needlesFor({
      oldUrl: "postgres://case:case@postgres/case",
      oldPassword: "case",
      newUrl: "postgres://r:0123456789abcdef@postgres/case",
      newPassword: "0123456789abcdef",
    });
    expect(needles).toEqual([
      { which: "the old password (in its URL)", value: "case:case@" },
      { which: "the new password", value: "0123456789abcdef" },
    ]);
    expect(findValues("user case connected to database case", needles)).toEqual([]);
    expect(findValues("url=postgres://case:case@postgres/case", needles)).toHaveLength(1);
  });

  it("puts secrets created and removed on the timeline, by name", () => {
    const seen = {
      tasks: new Map(),
      services: new Map(),
      nodes: new Map(),
      secrets: new Map<string, string>(),
    };
    const base = snap([]);
    diffSnapshot(seen, { ...base, secrets: [{ ID: "a", Spec: { Name: "database_url" } }] }, "t0");
    const added = diffSnapshot(
      seen,
      {
        ...base,
        secrets: [
          { ID: "a", Spec: { Name: "database_url" } },
          { ID: "b", Spec: { Name: "database_url_v2" } },
        ],
      },
      "t1",
    );
    expect(added.map((e) => [e.kind, e.action, e.message])).toEqual([
      ["secret", "create", "database_url_v2"],
    ]);
    const removed = diffSnapshot(
      seen,
      { ...base, secrets: [{ ID: "b", Spec: { Name: "database_url_v2" } }] },
      "t2",
    );
    expect(removed.map((e) => [e.kind, e.action, e.message])).toEqual([["secret", "remove", "database_url"]]);
  });
});
