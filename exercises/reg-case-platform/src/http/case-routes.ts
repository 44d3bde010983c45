import { CaseId, type CaseService, ReportInput, TransitionInput } from "../cases/service.ts";
import { HttpError } from "../errors.ts";
import { PageQuery } from "../paging.ts";
import { parseInput, readJson } from "./body.ts";
import type { Route } from "./router.ts";

function caseId(params: Record<string, string>): string {
  const parsed = CaseId.safeParse(params.id);
  if (!parsed.success)
    throw new HttpError(404, "not_found", `case ${params.id ?? ""} does not exist (ids are UUIDs)`);
  return parsed.data;
}

export function caseRoutes(cases: CaseService): Route[] {
  return [
    {
      method: "POST",
      path: "/reports",
      handler: async ({ req, log }) => {
        const created = await cases.submitReport(await readJson(req, ReportInput));
        log.info({ caseId: created.id }, "report submitted, case opened");
        return { status: 201, body: created, headers: { location: `/cases/${created.id}` } };
      },
    },
    {
      method: "GET",
      path: "/cases",
      handler: async ({ query }) => {
        const page = parseInput(PageQuery, Object.fromEntries(query), "query");
        return { status: 200, body: await cases.list(page) };
      },
    },
    {
      method: "GET",
      path: "/cases/:id",
      handler: async ({ params }) => ({ status: 200, body: await cases.get(caseId(params)) }),
    },
    {
      method: "POST",
      path: "/cases/:id/transitions",
      handler: async ({ req, params, log }) => {
        const id = caseId(params);
        const input = await readJson(req, TransitionInput);
        const updated = await cases.transition(id, input);
        log.info({ caseId: id, to: updated.status, actor: input.actor }, "case transitioned");
        return { status: 200, body: updated };
      },
    },
    {
      method: "GET",
      path: "/cases/:id/audit",
      handler: async ({ params }) => ({ status: 200, body: await cases.audit(caseId(params)) }),
    },
  ];
}
