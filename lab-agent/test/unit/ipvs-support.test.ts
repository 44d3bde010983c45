import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ipvsSupport, ipvsWarning } from "../../src/lab/ipvs-support.ts";

describe("IPVS support", () => {
  const root = mkdtempSync(join(tmpdir(), "drydock-ipvs-"));
  const dirs = (name: string, withProc: boolean, withModule: boolean) => {
    const proc = join(root, name, "proc");
    const modules = join(root, name, "modules");
    mkdirSync(join(proc, "net"), { recursive: true });
    if (withProc) writeFileSync(join(proc, "net", "ip_vs"), "IP Virtual Server version 1.2.1\n");
    if (withModule) mkdirSync(join(modules, "kernel", "net", "netfilter", "ipvs"), { recursive: true });
    return [proc, modules] as const;
  };

  it("is there when /proc/net/ip_vs is: no warning", () => {
    const support = ipvsSupport(...dirs("loaded", true, false));
    expect(support).toEqual({ available: true });
    expect(ipvsWarning(support, "default")).toBeUndefined();
  });

  it("a loadable module: says to modprobe it and reset the lab", () => {
    const support = ipvsSupport(...dirs("loadable", false, true));
    expect(support).toEqual({ available: false, loadable: true });
    const warning = ipvsWarning(support, "ws1");
    expect(warning).toContain("sudo modprobe ip_vs");
    expect(warning).toContain("drydock lab reset --lab ws1");
    expect(warning).toContain("endpoint_mode: dnsrr");
  });

  it("no IPVS in the kernel at all: says what still works", () => {
    const support = ipvsSupport(...dirs("none", false, false));
    expect(support).toEqual({ available: false, loadable: false });
    const warning = ipvsWarning(support, "default") ?? "";
    expect(warning).not.toContain("modprobe");
    expect(warning).toContain("/proc/net/ip_vs is missing");
  });
});
