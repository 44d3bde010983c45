import { createHash } from "node:crypto";
import type { SeedConfig } from "../config.ts";
import { createPool, sqlState, withTransaction } from "../db.ts";
import { type ExitCode as Code, ExitCode, FatalError } from "../errors.ts";
import { allowedTransitions, type CaseStatus } from "../lifecycle.ts";
import { type Logger, safeUrl } from "../logger.ts";

interface Fixture {
  id: string;
  title: string;
  description: string;
  reporter: string;
  severity: "low" | "medium" | "high";
  /** The path the case took, starting at "open". */
  path: CaseStatus[];
}

// Fixed ids make the seed idempotent: running it again finds every row already there.
export const fixtures: Fixture[] = [
  {
    id: "00000000-0000-4000-8000-000000000001",
    title: "Unlicensed money transfer kiosk",
    description: "A kiosk at the central market accepts cross-border transfers without a visible licence.",
    reporter: "citizen-hotline",
    severity: "high",
    path: ["open"],
  },
  {
    id: "00000000-0000-4000-8000-000000000002",
    title: "Misleading interest rate advertising",
    description: "Radio advertisements quote a monthly rate as if it were annual.",
    reporter: "consumer-desk",
    severity: "medium",
    path: ["open", "investigating"],
  },
  {
    id: "00000000-0000-4000-8000-000000000003",
    title: "Late suspicious transaction reports",
    description: "A branch filed suspicious transaction reports weeks after the deadline.",
    reporter: "supervision-team",
    severity: "high",
    path: ["open", "investigating", "enforcement"],
  },
  {
    id: "00000000-0000-4000-8000-000000000004",
    title: "Duplicate complaint about card fees",
    description: "Same facts as an earlier complaint that was already handled.",
    reporter: "consumer-desk",
    severity: "low",
    path: ["open", "closed"],
  },
  {
    id: "00000000-0000-4000-8000-000000000005",
    title: "Outsourcing without notification",
    description: "Core banking operations moved to a vendor without notifying the regulator.",
    reporter: "supervision-team",
    severity: "medium",
    path: ["open", "investigating", "enforcement", "closed"],
  },
];

/** A stable UUID (version 5 layout) per case and step, so the seeded audit trail is idempotent too. */
export function seedEventId(caseId: string, step: number): string {
  const hex = createHash("sha1").update(`reg-case-seed:${caseId}:${step}`).digest("hex");
  const variant = ((Number.parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export async function runSeed(config: SeedConfig, log: Logger): Promise<Code> {
  const pool = createPool({ url: config.database.url, max: 1, name: "reg-case-seed", log });
  log.info({ database: safeUrl(config.database.url), fixtures: fixtures.length }, "seeding");
  try {
    const inserted = await withTransaction(pool, async (client) => {
      let count = 0;
      for (const f of fixtures) {
        const status = f.path.at(-1) ?? "open";
        const result = await client.query(
          `INSERT INTO cases (id, title, description, reporter, severity, status)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
          [f.id, f.title, f.description, f.reporter, f.severity, status],
        );
        count += result.rowCount ?? 0;
        for (const [step, to] of f.path.entries()) {
          const from = step === 0 ? null : (f.path[step - 1] ?? null);
          if (from && !allowedTransitions[from].includes(to))
            throw new Error(`fixture ${f.id}: ${from} → ${to}`);
          await client.query(
            `INSERT INTO case_audit (event_id, case_id, event_type, from_status, to_status, actor, reason, occurred_at, stream_id)
             VALUES ($1, $2, $3, $4, $5, 'seed', 'fixture', now(), 'seed') ON CONFLICT (event_id) DO NOTHING`,
            [seedEventId(f.id, step), f.id, step === 0 ? "case.opened" : "case.transitioned", from, to],
          );
        }
      }
      return count;
    });
    log.info({ inserted, alreadyPresent: fixtures.length - inserted }, "seed done");
    return ExitCode.ok;
  } catch (error) {
    if (sqlState(error) === "42P01") {
      throw new FatalError("the tables do not exist yet: run the migrate mode first", ExitCode.dataError);
    }
    throw error;
  } finally {
    await pool.end();
  }
}
