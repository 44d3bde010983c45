import type { DrydockError } from "../common/errors.ts";
import type { Progress } from "../common/progress.ts";
import type { LabStatus } from "../lab/lab-status.ts";
import type { SwarmNodeSummary } from "../lab/lab-swarm.ts";

/** Draws progress events on stderr for a person; `verbose` adds every line of build output. */
export function consoleProgress(verbose: boolean, out: NodeJS.WritableStream = process.stderr): Progress {
  return (event) => {
    switch (event.kind) {
      case "step":
        out.write(`▸ ${event.title}…\n`);
        break;
      case "done":
        out.write(
          `✓ ${event.title} (${event.seconds.toFixed(1)} s)${event.note ? ` — ${event.note}` : ""}\n`,
        );
        break;
      case "info":
        out.write(`  ${event.message}\n`);
        break;
      case "warn":
        out.write(`! ${event.message}\n`);
        break;
      case "log":
        if (verbose) out.write(`    ${event.line}\n`);
        break;
    }
  };
}

export function formatError(err: DrydockError): string {
  const lines = [`✗ ${err.message}`];
  if (err.details) lines.push(...err.details.split("\n").map((l) => `  ${l}`));
  if (err.hint) lines.push(`→ ${err.hint}`);
  return `${lines.join("\n")}\n`;
}

export function formatStatus(status: LabStatus): string {
  if (!status.exists) return `Lab "${status.lab}" does not exist. Create it with \`drydock lab up\`.\n`;
  const header = `Lab "${status.lab}": ${status.healthy ? "healthy" : "NOT healthy"}`;
  const rows = [["NODE", "STATE", "HEALTH", "ENGINE", "SWARM", "ENDPOINT"]];
  for (const n of status.nodes) {
    rows.push([
      n.role,
      n.state,
      n.healthy ? "ok" : "down",
      n.version ?? "-",
      n.swarm ? (n.swarm.role ?? n.swarm.state) : "-",
      n.endpoint ?? "-",
    ]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  const table = rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd(),
  );
  const problems = status.nodes.filter((n) => n.error).map((n) => `  ${n.role}: ${n.error}`);
  return [
    header,
    `Workspace: ${status.workspace ?? "(unknown)"} (mounted at /workspace on laptop)`,
    ...(status.privilegeMode ? [`Node privileges: ${status.privilegeMode}`] : []),
    "",
    ...table,
    ...(problems.length ? ["", "Problems:", ...problems] : []),
    "",
  ].join("\n");
}

export function formatSwarm(nodes: SwarmNodeSummary[]): string {
  const lines = nodes.map((n) => {
    const labels = Object.entries(n.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    return `  ${n.hostname.padEnd(10)} ${n.role.padEnd(8)} ${n.state.padEnd(6)} ${labels || "-"}`;
  });
  return `Swarm formed: ${nodes.length} nodes\n${lines.join("\n")}\n`;
}
