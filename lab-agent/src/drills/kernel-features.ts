import { existsSync, readFileSync } from "node:fs";
import { release } from "node:os";
import { join } from "node:path";
import { ipvsSupport } from "../lab/ipvs-support.ts";
import type { KernelFeature } from "./drill-types.ts";

/** Whether the host kernel (shared by the lab's nodes) has each feature a drill may need. */
export type FeatureReport = Record<KernelFeature, { available: boolean; why: string }>;

function hasModule(name: string, procDir: string, modulesDir: string): boolean {
  if (existsSync(join("/sys/module", name))) return true;
  // Built in, or a loadable module of the running kernel.
  try {
    const builtin = join(modulesDir, "modules.builtin");
    if (existsSync(builtin) && readFileSync(builtin, "utf8").includes(`/${name}.ko`)) return true;
    if (existsSync(join(modulesDir, "kernel", "net", "sched", `${name}.ko`))) return true;
  } catch {}
  return existsSync(join(procDir, "net", name));
}

/**
 * Reads the host: sch_netem (tc delay/loss), IPVS (swarm virtual IPs and the routing mesh), and
 * iptables (netfilter, found through `iptablesWorks`, an exec in a node). A missing feature makes a
 * drill that needs it `skipped` with the reason: never a pass.
 */
export function detectFeatures(
  iptablesWorks: boolean,
  procDir = "/proc",
  modulesDir = join("/lib/modules", release()),
): FeatureReport {
  const ipvs = ipvsSupport(procDir, modulesDir);
  const netem = hasModule("sch_netem", procDir, modulesDir);
  return {
    ipvs: {
      available: ipvs.available,
      why: ipvs.available
        ? "/proc/net/ip_vs exists"
        : "the host kernel has no IPVS (/proc/net/ip_vs is missing)",
    },
    netem: {
      available: netem,
      why: netem
        ? "sch_netem is loaded or built in"
        : `the host kernel (${release()}) has no sch_netem: tc cannot add delay or loss`,
    },
    iptables: {
      available: iptablesWorks,
      why: iptablesWorks
        ? "iptables works inside the nodes"
        : "iptables does not work inside the lab's nodes",
    },
  };
}

/** The reason a drill is skipped, or undefined when the host has all it needs. */
export function missingFeatures(needs: readonly KernelFeature[], report: FeatureReport): string | undefined {
  const missing = needs.filter((f) => !report[f].available);
  if (missing.length === 0) return undefined;
  return `Skipped: this drill needs ${missing.join(", ")}, and ${missing.map((f) => report[f].why).join("; ")}.`;
}
