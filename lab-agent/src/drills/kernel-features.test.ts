import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectFeatures, missingFeatures } from "./kernel-features.ts";

// A drill that needs a missing kernel feature is skipped with the reason, never passed.
const fakeHost = (opts: { ipvs?: boolean; netemBuiltin?: boolean }) => {
  const root = mkdtempSync(join(tmpdir(), "drydock-kernel-"));
  const proc = join(root, "proc");
  const modules = join(root, "modules");
  mkdirSync(join(proc, "net"), { recursive: true });
  mkdirSync(modules, { recursive: true });
  if (opts.ipvs) writeFileSync(join(proc, "net", "ip_vs"), "");
  writeFileSync(join(modules, "modules.builtin"), opts.netemBuiltin ? "kernel/net/sched/sch_netem.ko\n" : "");
  return { proc, modules };
};

describe("kernel features", () => {
  it.each([
    {
      name: "this VM: no netem, no IPVS, iptables works",
      host: {},
      ipt: true,
      needs: ["netem"],
      skip: /sch_netem/,
    },
    { name: "no IPVS", host: {}, ipt: true, needs: ["ipvs"], skip: /no IPVS/ },
    {
      name: "iptables broken in the nodes",
      host: { ipvs: true },
      ipt: false,
      needs: ["iptables"],
      skip: /iptables/,
    },
    {
      name: "a stock kernel with both",
      host: { ipvs: true, netemBuiltin: true },
      ipt: true,
      needs: ["netem", "ipvs"],
      skip: undefined,
    },
    { name: "a drill that needs nothing", host: {}, ipt: false, needs: [], skip: undefined },
  ] as const)("$name", ({ host, ipt, needs, skip }) => {
    const h = fakeHost(host);
    const reason = missingFeatures(needs, detectFeatures(ipt, h.proc, h.modules));
    if (skip) expect(reason).toMatch(skip);
    else expect(reason).toBeUndefined();
    if (skip) expect(reason).toMatch(/^Skipped: this drill needs/);
  });
});
