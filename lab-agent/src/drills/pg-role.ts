import type Docker from "dockerode";
import { execArgv } from "../checks/engine-reads.ts";
import type { LabAccess } from "../checks/lab-access.ts";
import type { EngineRole } from "../lab/lab-names.ts";
import type { SwarmSnapshot } from "./drill-types.ts";
import { hostnameOf, readSnapshot, serviceNamed, tasksOf } from "./timeline.ts";

/**
 * A test credential in the stack's own PostgreSQL, through psql in its running task (the local
 * socket, as the image's entrypoint does). Scripts are fixed text; names and the password reach psql
 * as variables from the exec's environment (quoted by psql as :"identifier" / :'literal'), so the
 * password is in no argv: engines log an exec's command line (`exec_create: …` events), not its env.
 */
const PSQL = `exec psql -X -q -At -v ON_ERROR_STOP=1 -U "$PGUSER" -d "$PGDATABASE" -v role="$DRILL_ROLE" -v owner="$PGUSER" -v pw="$DRILL_PW" <<'SQL'`;

/**
 * The role logs in with its own password, is a member of the owner, and starts every session as the
 * owner (SET role): what it reads and creates is the owner's, so dropping it later loses nothing.
 */
export const CREATE_ROLE_SQL = `${PSQL}
CREATE ROLE :"role" LOGIN PASSWORD :'pw' IN ROLE :"owner";
ALTER ROLE :"role" SET role TO :'owner';
SELECT 'created';
SQL`;

/** Ends the role's sessions and drops it (idempotent: a role that is gone is fine). */
export const DROP_ROLE_SQL = `${PSQL}
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = :'role';
SELECT format('REASSIGN OWNED BY %I TO %I', rolname, :'owner'), format('DROP OWNED BY %I', rolname)
  FROM pg_roles WHERE rolname = :'role' \\gexec
DROP ROLE IF EXISTS :"role";
SELECT 'dropped';
SQL`;

/** Client sessions of the database by user and application (the app names its pools). */
export const SESSIONS_SQL = `${PSQL}
SELECT usename || ' ' || coalesce(nullif(application_name, ''), '?') || ' ' || count(*)
  FROM pg_stat_activity
  WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
  GROUP BY usename, application_name ORDER BY 1;
SQL`;

export interface PgTarget {
  node: EngineRole;
  container: Docker.Container;
  containerId: string;
}

/** The running task of the PostgreSQL service, as a container on its node. */
export async function postgresTask(
  lab: LabAccess,
  service: string,
  snap?: SwarmSnapshot,
): Promise<PgTarget | undefined> {
  const s = snap ?? (await readSnapshot(await lab.engine("manager-1")));
  const task = tasksOf(s, serviceNamed(s, service)).find(
    (t) =>
      t.DesiredState === "running" && t.Status?.State === "running" && t.Status.ContainerStatus?.ContainerID,
  );
  const id = task?.Status?.ContainerStatus?.ContainerID;
  if (!task || !id) return undefined;
  const node = hostnameOf(s, task.NodeID) as EngineRole;
  return { node, container: (await lab.engine(node)).getContainer(id), containerId: id };
}

export async function psql(
  target: PgTarget,
  script: string,
  vars: { user: string; db: string; role?: string; password?: string },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return execArgv(target.container, ["sh", "-c", script], 30_000, [
    `PGUSER=${vars.user}`,
    `PGDATABASE=${vars.db}`,
    `DRILL_ROLE=${vars.role ?? ""}`,
    `DRILL_PW=${vars.password ?? ""}`,
  ]);
}

/** Drops the drill's role (the undo step): retried while PostgreSQL is briefly away. */
export async function dropRole(
  lab: LabAccess,
  step: { service: string; user: string; db: string; role: string },
): Promise<void> {
  let last = "no running task";
  for (let i = 0; i < 20; i++) {
    const target = await postgresTask(lab, step.service).catch(() => undefined);
    if (target) {
      const r = await psql(target, DROP_ROLE_SQL, step).catch((e: Error) => ({
        code: -1,
        stdout: "",
        stderr: e.message,
      }));
      if (r.code === 0 && r.stdout.includes("dropped")) return;
      last = r.stderr.trim() || r.stdout.trim();
    }
    await new Promise((res) => setTimeout(res, 3000));
  }
  throw new Error(
    `the test role ${step.role} could not be dropped in ${step.service}: ${last.slice(0, 300)}`,
  );
}
