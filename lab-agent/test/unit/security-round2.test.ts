import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { describe, expect, it } from "vitest";
import { DrydockError } from "../../src/common/errors.ts";
import { ProgressStore } from "../../src/progress/progress-store.ts";
import { scrubSecrets } from "../../src/server/logger.ts";
import { RefusalLog } from "../../src/server/refusal-log.ts";
import { parseTarget } from "../../src/server/request-target.ts";
import { contentSecurityPolicy } from "../../src/server/security-headers.ts";
import { inlineScriptHashes } from "../../src/server/static-files.ts";
import { TICKET_TTL_MS, TicketStore } from "../../src/server/tickets.ts";

const terminalId = "0123456789abcdef0123456789abcdef";

describe("tickets", () => {
  it("are single-use, bound to their purpose and object, and expire", () => {
    let now = 0;
    const store = new TicketStore(TICKET_TTL_MS, () => now);
    const grant = { purpose: "terminal-attach", terminalId } as const;
    const { ticket } = store.mint("token", grant);
    expect(ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(store.redeem(ticket, grant).credential).toBe("token");
    expect(() => store.redeem(ticket, grant)).toThrow(/already used/);

    const other = store.mint("token", grant).ticket;
    expect(() => store.redeem(other, { purpose: "terminal-attach", terminalId: "f".repeat(32) })).toThrow(
      /issued for/,
    );
    // A mismatched presentation spends it too.
    expect(() => store.redeem(other, grant)).toThrow(/already used/);

    const late = store.mint("token", { purpose: "terminal-open", node: "laptop" }).ticket;
    now += TICKET_TTL_MS;
    expect(() => store.redeem(late, { purpose: "terminal-open", node: "laptop" })).toThrow(/expired/);
    for (const bad of [undefined, "", "x".repeat(44), 42]) {
      expect(() => store.redeem(bad, grant)).toThrow(DrydockError);
    }
  });

  it("are capped per credential while unused", () => {
    const store = new TicketStore();
    const grant = { purpose: "check-events", block: "h03-04" } as const;
    for (let i = 0; i < 64; i++) store.mint("token", grant);
    expect(() => store.mint("token", grant)).toThrow(/Too many unused tickets/);
    expect(() => store.mint("someone-else", grant)).not.toThrow();
  });
});

describe("request targets", () => {
  it.each(["//[", "http://[", "http://127.0.0.1:1/api/lab", "*", "/api/checks/%E0%A4%A", "/%"])(
    "%s is a 400 (usage), not a crash",
    (target) => {
      expect(() => parseTarget(target)).toThrow(DrydockError);
      try {
        parseTarget(target);
      } catch (err) {
        expect((err as DrydockError).code).toBe("usage");
        expect((err as DrydockError).message).not.toContain(target);
      }
    },
  );
  it("parses ordinary paths and queries", () => {
    expect(parseTarget("/api/checks/h03-04/events?ticket=abc").pathname).toBe("/api/checks/h03-04/events");
    expect(parseTarget("/hours/h03-04/").pathname).toBe("/hours/h03-04/");
  });
});

describe("log hygiene", () => {
  it("blanks token-like values and credential parameters, keeps ordinary ids and digests", () => {
    const token = "A".repeat(20) + "_b-".repeat(7) + "c".repeat(2);
    expect(token).toHaveLength(43);
    const digest = createHash("sha256").update("x").digest("hex");
    const line = JSON.stringify({
      msg: `Invalid URL /?token=${token}&x=1 ticket=zzz`,
      input: `/ws?ticket=short-marker`,
      auth: `Authorization: Bearer secret-value`,
      terminal: terminalId,
      digest: `sha256:${digest}`,
    });
    const out = scrubSecrets(line);
    expect(out).not.toContain(token);
    expect(out).not.toContain("short-marker");
    expect(out).not.toContain("secret-value");
    expect(out).not.toContain("zzz");
    expect(out).toContain(terminalId);
    expect(out).toContain(digest);
  });

  it("refusals are logged at most N per window, then counted", () => {
    const lines: string[] = [];
    const log = { warn: (_f: unknown, msg: string) => lines.push(msg) } as unknown as Logger;
    let now = 0;
    const refusals = new RefusalLog(log, 3, 1_000, () => now);
    for (let i = 0; i < 1_200; i++) refusals.warn("request:unauthorized", {}, "refused request");
    expect(lines).toHaveLength(4);
    now = 1_000;
    refusals.warn("request:unauthorized", {}, "refused request");
    expect(lines.at(-2)).toMatch(/^1197 more refusals/);
    expect(lines.at(-1)).toBe("refused request");
  });
});

describe("Content-Security-Policy", () => {
  it("allows a page's own inline scripts by hash, and no 'unsafe-inline' script", () => {
    const body = "\n  console.log('hi');\n";
    const html = `<html><script>${body}</script><script type="module" src="/_astro/x.js"></script><script type="module">import "/a.js";</script></html>`;
    const hashes = inlineScriptHashes(html);
    expect(hashes).toHaveLength(2);
    expect(hashes[0]).toBe(createHash("sha256").update(body).digest("base64"));
    const csp = contentSecurityPolicy(hashes);
    const scriptSrc = csp.split("; ").find((d) => d.startsWith("script-src")) ?? "";
    expect(scriptSrc).not.toContain("unsafe-inline");
    expect(scriptSrc).toContain(`'sha256-${hashes[0]}'`);
  });
});

describe("progress store files", () => {
  it("progress.db and its -wal/-shm are 0600 in a 0700 folder, also when an older one was 0644 in 0755", () => {
    const home = mkdtempSync(join(tmpdir(), "drydock-modes-"));
    chmodSync(home, 0o755);
    writeFileSync(join(home, "progress.db"), "", { mode: 0o644 });
    chmodSync(join(home, "progress.db"), 0o644);
    const store = new ProgressStore(home);
    store.latest("lab", "h03-04");
    expect(statSync(home).mode & 0o777).toBe(0o700);
    for (const f of ["progress.db", "progress.db-wal", "progress.db-shm"]) {
      expect(existsSync(join(home, f)), f).toBe(true);
      expect(statSync(join(home, f)).mode & 0o777, f).toBe(0o600);
    }
    store.close();
  });
});
