import { describe, expect, it } from "vitest";
import { createDatabase, query, runApp } from "../support/app.ts";

describe("seed", () => {
  it("inserts the fixtures once; a second run changes nothing", async () => {
    const url = await createDatabase();
    expect((await runApp("migrate", { DATABASE_URL: url })).code).toBe(0);

    const first = await runApp("seed", { DATABASE_URL: url });
    expect(first.code, first.stderr).toBe(0);
    expect(first.logs.find((l) => l.msg === "seed done")).toMatchObject({ inserted: 5, alreadyPresent: 0 });
    const cases = await query<{ status: string }>(url, "SELECT status FROM cases ORDER BY id");
    expect(cases.map((c) => c.status)).toEqual(["open", "investigating", "enforcement", "closed", "closed"]);
    const audit = await query(url, "SELECT * FROM case_audit");
    expect(audit).toHaveLength(12);

    const second = await runApp("seed", { DATABASE_URL: url });
    expect(second.code).toBe(0);
    expect(second.logs.find((l) => l.msg === "seed done")).toMatchObject({ inserted: 0, alreadyPresent: 5 });
    expect(await query(url, "SELECT id FROM cases")).toHaveLength(5);
    expect(await query(url, "SELECT event_id FROM case_audit")).toHaveLength(12);
  });

  it("says to migrate first when the tables are missing (exit 65)", async () => {
    const url = await createDatabase();
    const run = await runApp("seed", { DATABASE_URL: url });
    expect(run.code).toBe(65);
    expect(run.stderr).toContain("the tables do not exist yet: run the migrate mode first");
  });
});
