import { describe, expect, it } from "vitest";
import { caseApi } from "../catalog/runtime/fixtures.ts";
import { coveredBy, mergeEnv, planClone } from "./clone.ts";

describe("planClone on the recorded case-api", () => {
  it("runs the image by id, keeps command, env, user; no ports, aliases or labels", () => {
    const info = caseApi();
    const { spec, differences } = planClone(info);
    expect(spec.Image).toBe(info.Image);
    expect(spec.Image).toMatch(/^sha256:/);
    expect(spec.Env).toEqual(info.Config.Env);
    expect(spec.Entrypoint).toEqual(["node", "dist/main.js"]);
    expect(spec.Cmd).toEqual(["api"]);
    expect((spec.HostConfig as Record<string, unknown>).PortBindings).toBeUndefined();
    expect((spec.HostConfig as Record<string, unknown>).RestartPolicy).toBeUndefined();
    expect(spec.HostConfig?.NetworkMode).toBe("reg-case-net");
    expect(spec.Labels).toBeUndefined();
    expect(differences).toContain("no network aliases");
  });

  it("keeps binds (a Compose file secret), tmpfs and read-only root; volumes become scratch; *_FILE outside mounts is copied", () => {
    const info = caseApi((i) => {
      i.Config.Env = [
        ...(i.Config.Env ?? []),
        "DATABASE_URL_FILE=/run/secrets/db_url",
        "REDIS_URL_FILE=/etc/app/redis_url",
      ];
      i.Mounts = [
        {
          Type: "bind",
          Source: "/workspace/secrets/db_url",
          Destination: "/run/secrets/db_url",
          RW: false,
          Mode: "ro",
          Propagation: "rprivate",
        },
        {
          Type: "volume",
          Name: "case-uploads",
          Source: "/var/lib/docker/volumes/case-uploads/_data",
          Destination: "/app/uploads",
          RW: true,
          Mode: "z",
          Propagation: "",
        },
      ] as typeof i.Mounts;
      (i.HostConfig as Record<string, unknown>).Tmpfs = { "/tmp": "size=64m" };
      i.HostConfig.ReadonlyRootfs = true;
      i.HostConfig.Init = true;
      i.HostConfig.CapDrop = ["ALL"];
    });
    const plan = planClone(info, { env: ["APP_PORT=invalid"], restart: true });
    const host = plan.spec.HostConfig as Record<string, unknown>;
    expect(host.Mounts).toEqual([
      { Type: "bind", Source: "/workspace/secrets/db_url", Target: "/run/secrets/db_url", ReadOnly: true },
    ]);
    expect(host.Tmpfs).toEqual({ "/tmp": "size=64m" });
    expect(host.ReadonlyRootfs).toBe(true);
    expect(host.Init).toBe(true);
    expect(host.CapDrop).toEqual(["ALL"]);
    expect(host.RestartPolicy).toEqual(info.HostConfig.RestartPolicy);
    expect(plan.scratchVolumes).toEqual([
      { target: "/app/uploads", readOnly: false, original: "case-uploads" },
    ]);
    expect(plan.copyFiles).toEqual(["/etc/app/redis_url"]);
    expect(plan.spec.Env?.filter((e) => e.startsWith("APP_PORT="))).toEqual(["APP_PORT=invalid"]);
  });

  it("helpers", () => {
    expect(mergeEnv(["A=1", "B=2"], ["A=3"])).toEqual(["B=2", "A=3"]);
    expect(coveredBy("/run/secrets/x", ["/run/secrets"])).toBe(true);
    expect(coveredBy("/run/secretsx", ["/run/secrets"])).toBe(false);
  });
});
