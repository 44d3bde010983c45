import { describe, expect, it } from "vitest";
import { mask, scanEnv, scanHistory, secretValues } from "../../src/checks/parsers/secret-scan.ts";
import {
  digestOf,
  isPinnedByDigest,
  noNewPrivileges,
  normalizeCapability,
  parseConstraint,
  parseImageRef,
} from "../../src/checks/parsers/spec-parsers.ts";
import { resolveUser } from "../../src/checks/parsers/user-resolution.ts";

const PASSWD = `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
node:x:1000:1000::/home/node:/bin/bash
toor:x:0:0:sneaky root:/root:/bin/sh
`;
const GROUP = "root:x:0:\nnode:x:1000:\nwheel:x:10:\n";

describe("user resolution (Config.User → uid through the image's /etc/passwd)", () => {
  const table: Array<[string, number | null, string]> = [
    ["", 0, "default"],
    ["0", 0, "numeric"],
    ["root", 0, "/etc/passwd line 1"],
    ["0:0", 0, "numeric"],
    ["root:root", 0, "/etc/passwd line 1"],
    ["toor", 0, "/etc/passwd line 4"], // a name that is uid 0 is root
    ["node", 1000, "/etc/passwd line 3"],
    ["1000", 1000, "numeric (passwd line 3: node)"],
    ["1000:0", 1000, "numeric"],
    ["65532", 65532, "numeric (no passwd entry needed)"],
    ["65532:65532", 65532, "numeric"],
    ["app", null, "name lookup"],
  ];
  for (const [user, uid, via] of table) {
    it(`"${user}" → ${uid}`, () => {
      const r = resolveUser(user, PASSWD, GROUP);
      expect(r.uid).toBe(uid);
      expect(r.via).toContain(via);
    });
  }
  it("resolves groups by name and number, and says which name is unknown", () => {
    expect(resolveUser("node:wheel", PASSWD, GROUP).gid).toBe(10);
    expect(resolveUser("node:0", PASSWD, GROUP).gid).toBe(0);
    expect(resolveUser("node:staff", PASSWD, GROUP).problem).toContain('group "staff"');
    expect(resolveUser("app", null, null).problem).toContain("no /etc/passwd");
  });
});

describe("no-new-privileges forms (HostConfig.SecurityOpt, the daemon's rules)", () => {
  const table: Array<[string[] | null, boolean | undefined]> = [
    [null, undefined],
    [[], undefined],
    [["seccomp=unconfined"], undefined],
    [["no-new-privileges"], true],
    [["no-new-privileges=true"], true],
    [["no-new-privileges:true"], true],
    [["no-new-privileges=1"], true],
    [["no-new-privileges=false"], false],
    [["no-new-privileges:false"], false],
    [["no-new-privileges=true", "no-new-privileges=false"], false],
    [["no-new-privileges=maybe"], undefined],
  ];
  for (const [opts, want] of table) {
    it(`${JSON.stringify(opts)} → ${want}`, () => expect(noNewPrivileges(opts)).toBe(want));
  }
});

describe("capability names (CLI/Compose normalise, dockerode does not)", () => {
  const table: Array<[string, string]> = [
    ["all", "ALL"],
    ["ALL", "ALL"],
    [" All ", "ALL"],
    ["net_bind_service", "CAP_NET_BIND_SERVICE"],
    ["CAP_NET_BIND_SERVICE", "CAP_NET_BIND_SERVICE"],
    ["cap_chown", "CAP_CHOWN"],
  ];
  for (const [raw, want] of table) it(`${raw} → ${want}`, () => expect(normalizeCapability(raw)).toBe(want));
});

describe("image references", () => {
  const d = `sha256:${"a".repeat(64)}`;
  const table: Array<[string, { name: string; tag?: string; digest?: string }, boolean]> = [
    ["registry:5000/app", { name: "registry:5000/app" }, false],
    ["registry:5000/app:1.0", { name: "registry:5000/app", tag: "1.0" }, false],
    [`registry:5000/app@${d}`, { name: "registry:5000/app", digest: d }, true],
    [`registry:5000/app:1.0@${d}`, { name: "registry:5000/app", tag: "1.0", digest: d }, true],
    ["node:20-slim", { name: "node", tag: "20-slim" }, false],
    ["app@sha256:short", { name: "app", digest: "sha256:short" }, false],
  ];
  for (const [ref, parts, pinned] of table) {
    it(ref, () => {
      expect(parseImageRef(ref)).toEqual(parts);
      expect(isPinnedByDigest(ref)).toBe(pinned);
    });
  }
  it("digestOf and constraints", () => {
    expect(digestOf(`a:1@${d}`)).toBe(d);
    expect(parseConstraint("node.labels.workload==app")).toEqual({
      key: "node.labels.workload",
      op: "==",
      value: "app",
    });
    expect(parseConstraint(" node.role != manager ")).toEqual({
      key: "node.role",
      op: "!=",
      value: "manager",
    });
    expect(parseConstraint("nonsense")).toBeUndefined();
  });
});

describe("secret scan", () => {
  it("finds secret-looking ENV values and masks them; *_FILE and plain URLs are fine", () => {
    const found = scanEnv(
      [
        "DATABASE_URL=postgres://case:s3cret-pw@db:5432/case",
        "DATABASE_URL_FILE=/run/secrets/database_url",
        "REDIS_URL=redis://redis:6379/0",
        "NPM_TOKEN=npm_abcdef123456",
        "GPG_KEY=4ED778F539E3634C779C87C6D7062848A1AB005C",
        "KEYCLOAK_REALM=case",
        "API_KEY=",
      ],
      "Config.Env",
    );
    expect(found.map((f) => f.key)).toEqual(["DATABASE_URL", "NPM_TOKEN"]);
    expect(JSON.stringify(found)).not.toContain("s3cret");
    expect(mask("npm_abcdef123456")).toBe("np…6 (16 chars)");
  });
  it("reads ARG, ENV and BuildKit's `RUN |N K=v` prefixes from history", () => {
    const found = scanHistory([
      "ARG NPM_TOKEN=npm_abcdef123456",
      "ENV APP_PORT=8080",
      "RUN |2 VERSION=1.0.0 GITHUB_TOKEN=ghp_xxxxxxxx /bin/sh -c npm ci # buildkit",
      "/bin/sh -c #(nop)  ENV DB_PASSWORD=hunter22",
      "COPY src ./src # buildkit",
    ]);
    expect(found.map((f) => `${f.where} ${f.key}`)).toEqual([
      "history[0] NPM_TOKEN",
      "history[2] ARG GITHUB_TOKEN",
      "history[3] DB_PASSWORD",
    ]);
  });
  it("knows which values to look for in logs", () => {
    expect(secretValues(["DATABASE_URL=postgres://case:pw-1234@db/case", "APP_PORT=8080"])).toEqual([
      "pw-1234",
    ]);
  });
});
