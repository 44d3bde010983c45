// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile and shell variables, not template strings
import { describe, expect, it } from "vitest";
import type { ImageRecord } from "../../collectors/collect-image.ts";
import type { CredentialFiles } from "../../collectors/image-credentials.ts";
import { evaluateNoSecrets } from "./secrets-none.ts";
import { fixture, reference } from "./test-support.ts";

const ref = reference();
const f = (name: string) => fixture("image.secrets.none", name);

function image(extra: { env?: string[]; history?: string[]; cmd?: string[] } = {}): ImageRecord {
  const cmd = extra.cmd ? { Cmd: extra.cmd } : {};
  return {
    ref: "registry:5000/reg-case-platform:dev",
    inspect: {
      ...ref.inspect,
      Config: {
        ...ref.inspect.Config,
        ...cmd,
        Env: [...(ref.inspect.Config.Env ?? []), ...(extra.env ?? [])],
      },
    },
    history: [...(extra.history ?? []).map((CreatedBy) => ({ CreatedBy, Size: 0 })), ...ref.history],
  };
}
const CONTEXT = { ".npmrc": f("npmrc-env"), ".env": f("dotenv") };

function files(...found: Array<[string, string]>): CredentialFiles {
  return {
    scanned: [{ dir: "/app", exists: true, files: 40 }],
    found: found.map(([path, content]) => ({ path, content })),
  };
}
const NONE = files();

/** [what it models, image extras, credential files found, status, summary]. */
const VARIANTS: Array<[string, Parameters<typeof image>[0], CredentialFiles, "pass" | "fail", RegExp]> = [
  // right
  ["the reference (recorded lab image)", {}, NONE, "pass", /hold no secret/],
  [
    "settings that sound secret: *_ENABLED, *_TTL, *_MIN_LENGTH, *_FILE pointer, KEY_ID, PWD",
    {
      env: [
        "AUTH_ENABLED=true",
        "TOKEN_TTL=3600",
        "PASSWORD_MIN_LENGTH=12",
        "DATABASE_URL_FILE=/run/secrets/db_url",
        "JWT_KEY_ID=k1",
        "PWD=/app",
        "SESSION_COOKIE_NAME=sid",
      ],
    },
    NONE,
    "pass",
    /hold no secret/,
  ],
  [
    "python's public GPG_KEY and a URL without a password",
    {
      env: [
        "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",
        "REDIS_URL=redis://redis:6379/0",
        "NEXT_PUBLIC_API_KEY=pk_test",
      ],
    },
    NONE,
    "pass",
    /hold no secret/,
  ],
  [
    "a build secret mounted, never stored (RUN --mount=type=secret)",
    { history: ["RUN /bin/sh -c NPM_TOKEN=$(cat /run/secrets/npm) npm ci # buildkit", "ARG NPM_TOKEN"] },
    NONE,
    "pass",
    /hold no secret/,
  ],
  [
    ".npmrc reading the token from the environment, a certificate, a .env.example",
    {},
    files(
      ["/app/.npmrc", f("npmrc-env")],
      ["/app/cert.pem", f("cert.pem")],
      ["/app/.env.example", f("env.example")],
    ),
    "pass",
    /hold no secret/,
  ],
  [
    ".npmrc copied, but it reads ${NPM_TOKEN} from the environment",
    { history: ["COPY .npmrc package.json ./ # buildkit"] },
    NONE,
    "pass",
    /hold no secret/,
  ],
  // wrong
  [
    "the .env copied, then RUN rm .env: still in a layer",
    { history: ["RUN /bin/sh -c rm .env # buildkit", "COPY .env ./ # buildkit"] },
    NONE,
    "fail",
    /DATABASE_URL \(history\[1\] \(COPY .env\)\)/,
  ],
  [
    "a deploy key copied for npm ci from git, deleted after",
    { history: ["COPY id_ed25519 /root/.ssh/ # buildkit"] },
    NONE,
    "fail",
    /COPY id_ed25519/,
  ],
  [
    "a password on the command line (CMD --db-password=…)",
    { cmd: ["node", "dist/main.js", "--password=hunter22"] },
    NONE,
    "fail",
    /--password/,
  ],
  [
    "ENV DATABASE_URL with the password (the block's mistake)",
    { env: ["DATABASE_URL=postgres://case:case_dev_secret@postgres:5432/case"] },
    NONE,
    "fail",
    /DATABASE_URL \(Config.Env\)/,
  ],
  [
    "secret names: *_TOKEN, *_API_KEY, PGPASSWORD, AWS_SECRET_ACCESS_KEY",
    {
      env: [
        "GITHUB_TOKEN=abc123def456",
        "SENDGRID_API_KEY=SG.x1y2z3",
        "PGPASSWORD=hunter22",
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG",
      ],
    },
    NONE,
    "fail",
    /GITHUB_TOKEN.*SENDGRID_API_KEY.*PGPASSWORD.*AWS_SECRET_ACCESS_KEY/,
  ],
  [
    "redis URL with an empty user and a password",
    { env: ["REDIS_URL=redis://:s3cretpw@redis:6379"] },
    NONE,
    "fail",
    /REDIS_URL/,
  ],
  [
    "an ADO.NET connection string with Password=",
    { env: ["ConnectionStrings__Db=Server=db;User Id=sa;Password=Str0ng!;"] },
    NONE,
    "fail",
    /ConnectionStrings__Db/,
  ],
  [
    "--build-arg NPM_TOKEN under a custom SHELL (bash -o pipefail -c)",
    {
      history: [
        "RUN |1 NPM_TOKEN=npm_0123456789abcdefghijABCDEFGHIJ012345 /bin/bash -o pipefail -c npm ci # buildkit",
      ],
    },
    NONE,
    "fail",
    /ARG NPM_TOKEN/,
  ],
  [
    "classic builder: ENV later emptied, still in history",
    { history: ["/bin/sh -c #(nop)  ENV DB_PASSWORD=hunter22"] },
    NONE,
    "fail",
    /DB_PASSWORD/,
  ],
  [
    "a token written into .npmrc by a RUN",
    {
      history: [
        "RUN /bin/sh -c echo //registry.npmjs.org/:_authToken=abcd1234efgh5678 > .npmrc && npm ci # buildkit",
      ],
    },
    NONE,
    "fail",
    /npm auth token/,
  ],
  [
    "git clone with credentials in the URL",
    {
      history: [
        "RUN /bin/sh -c git clone https://deploy:glpat-abcdefghij0123456789@gitlab.example/x.git # buildkit",
      ],
    },
    NONE,
    "fail",
    /URL with a password/,
  ],
  [
    "COPY . . took the developer's .env",
    {},
    files(["/app/.env", f("dotenv")]),
    "fail",
    /DATABASE_URL \(\/app\/.env\)/,
  ],
  ["an .npmrc with a literal _authToken", {}, files(["/app/.npmrc", f("npmrc-token")]), "fail", /_authToken/],
  [
    "an SSH private key copied in",
    {},
    files(["/root/.ssh/id_ed25519", f("id_ed25519")]),
    "fail",
    /private key \(\/root\/.ssh\/id_ed25519\)/,
  ],
];

describe("image.secrets.none", () => {
  it.each(VARIANTS)("%s", (_what, extra, found, status, summary) => {
    const r = evaluateNoSecrets(image(extra), found, CONTEXT);
    expect(r.summary).toMatch(summary);
    expect(r.status).toBe(status);
  });

  it("never shows a value whole", () => {
    const r = evaluateNoSecrets(
      image({ env: ["DATABASE_URL=postgres://case:case_dev_secret@postgres:5432/case"] }),
      NONE,
    );
    expect(JSON.stringify(r)).not.toContain("case_dev_secret");
  });
});
