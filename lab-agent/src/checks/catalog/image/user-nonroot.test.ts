import { describe, expect, it } from "vitest";
import type { ImageRecord } from "../../collectors/collect-image.ts";
import { fixture, reference } from "./test-support.ts";
import { evaluateNonRoot } from "./user-nonroot.ts";

const NODE = { passwd: fixture("shared", "node20slim.passwd"), group: fixture("shared", "node20slim.group") };
const SEED = {
  passwd: `${NODE.passwd}app:x:999:999::/app:/usr/sbin/nologin\n`,
  group: `${NODE.group}app:x:999:\n`,
};
const UID0 = { passwd: fixture("image.user.nonroot", "app-uid0.passwd"), group: NODE.group };
const NONE = { passwd: null, group: null };

function image(user: string | undefined): ImageRecord {
  const r = reference().inspect;
  return {
    ref: "registry:5000/reg-case-platform:dev",
    inspect: { ...r, Config: { ...r.Config, User: user as string } },
  };
}

/** [what it models, Config.User, the image's /etc/passwd and /etc/group, status, summary]. */
const VARIANTS: Array<
  [string, string | undefined, { passwd: string | null; group: string | null }, "pass" | "fail", RegExp]
> = [
  ["the reference: USER node (1000 in node:20-slim)", "node", NODE, "pass", /uid 1000, gid 1000/],
  ["the seed: USER app:app after groupadd/useradd --system", "app:app", SEED, "pass", /uid 999, gid 999/],
  [
    "distroless style numeric 65532:65532 with no passwd entry",
    "65532:65532",
    NONE,
    "pass",
    /uid 65532, gid 65532/,
  ],
  ["numeric uid 1000 with group 0 (OpenShift style)", "1000:0", NODE, "pass", /group root, which is allowed/],
  ["USER node:node", "node:node", NODE, "pass", /uid 1000/],
  ["no USER at all: empty means root", "", NODE, "fail", /runs as root/],
  ["Config.User missing from the inspect", undefined, NODE, "fail", /runs as root/],
  ["USER root left over from debugging", "root", NODE, "fail", /runs as root/],
  ["USER 0:0", "0:0", NODE, "fail", /runs as root/],
  ["USER 0 with a non-root group", "0:1000", NODE, "fail", /runs as root/],
  ["a name that maps to uid 0 in the image's passwd", "app", UID0, "fail", /runs as root/],
  [
    "USER node:app, a group the image does not have (docker run refuses)",
    "node:app",
    NODE,
    "fail",
    /refuse.*group "app"/,
  ],
  ["USER app, a user nobody created (docker run refuses)", "app", NODE, "fail", /refuse.*"app" is not in/],
  ["USER 1000:staff on an image with no /etc/group", "1000:staff", NONE, "fail", /refuse.*group "staff"/],
];

describe("image.user.nonroot", () => {
  it.each(VARIANTS)("%s", (_what, user, files, status, summary) => {
    const r = evaluateNonRoot(image(user), files);
    expect(r.summary).toMatch(summary);
    expect(r.status).toBe(status);
  });

  it("fails when the image is not built", () => {
    expect(evaluateNonRoot({ ref: "x" }, undefined).summary).toContain("no image x");
  });
});
