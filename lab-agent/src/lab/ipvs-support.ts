import { existsSync } from "node:fs";
import { release } from "node:os";
import { join } from "node:path";

/**
 * Swarm gives each service a virtual IP and publishes ports through the ingress routing mesh;
 * both are IPVS in the kernel the lab nodes share with the host. Some VM kernels have none:
 * tasks still run and names still resolve, but connections to a virtual IP fail.
 */
export type IpvsSupport = { available: true } | { available: false; loadable: boolean };

export function ipvsSupport(procDir = "/proc", modulesDir = join("/lib/modules", release())): IpvsSupport {
  if (existsSync(join(procDir, "net", "ip_vs"))) return { available: true };
  return { available: false, loadable: existsSync(join(modulesDir, "kernel", "net", "netfilter", "ipvs")) };
}

/** What to tell a learner when IPVS is missing (undefined when it is there). */
export function ipvsWarning(support: IpvsSupport, lab: string): string | undefined {
  if (support.available) return undefined;
  const fix = support.loadable
    ? ` Load it on the host (\`sudo modprobe ip_vs\`), then \`drydock lab reset${lab === "default" ? "" : ` --lab ${lab}`}\` and form the swarm again.`
    : "";
  return (
    "Swarm virtual IPs and published ports (the routing mesh) will not work in this lab: the host's kernel has no IPVS " +
    `(/proc/net/ip_vs is missing).${fix} Services still run and find each other by DNS: give the ones others connect to ` +
    "`endpoint_mode: dnsrr`, as Hours 15-16 show."
  );
}
