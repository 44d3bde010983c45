import { describe, expect, it } from "vitest";
import { parseComposeConfig, type StackFile } from "../../collectors/stack-file.ts";
import type { ClusterFacts } from "../../collectors/swarm-cluster.ts";
import { clone, readJson, recordedCluster, renameStack, service } from "./fixtures/load.ts";
import { evaluateStackDeployed, repositoryOf, sameImage } from "./stack-deployed.ts";

const params = {
  stack: "reg-case",
  stackFile: "reg-case-platform/stack.yml",
  services: ["case-api", "worker"],
  repository: "registry:5000/reg-case-platform",
};
const PATH = "/workspace/reg-case-platform/stack.yml";
/** The laptop's `docker compose config --no-interpolate --format json` of fixtures/stack-deployed/<name>.yml. */
const file = (name: string): StackFile =>
  parseComposeConfig(
    PATH,
    readJson<{ code: number; stdout: string; stderr: string }>("stack-deployed", `${name}.config.json`),
  );
const solved = recordedCluster();
const DIGEST = "sha256:8b3f4d2275c4f31556894b98372adf2fe77edbbf31a2b3bbf5de370b1ead0eb3";
const REPO = "registry:5000/reg-case-platform";

/** As `docker stack deploy` would have labelled and pinned the app services for this image reference. */
function deployedAs(ref: string, pinned = ref.includes("@") ? ref : `${ref}@${DIGEST}`) {
  return (c: ClusterFacts) => {
    for (const n of ["reg-case_case-api", "reg-case_worker"]) {
      const s = service(c, n);
      (s.Spec.Labels as Record<string, string>)["com.docker.stack.image"] = ref;
      (s.Spec.TaskTemplate as { ContainerSpec: { Image: string } }).ContainerSpec.Image = pinned;
    }
  };
}

type Variant = [
  name: string,
  stack: string,
  edit: (c: ClusterFacts) => void,
  status: "pass" | "fail",
  summary: RegExp,
];
const variants: Variant[] = [
  [
    "the reference: the image as $APP_IMAGE_DIGEST in the file, the digest in the deploy",
    "reference",
    () => {},
    "pass",
    /pinned by digest/,
  ],
  [
    'digest written in the file, version: "3.9" and long port syntax',
    "literal-digest",
    () => {},
    "pass",
    /pinned by digest/,
  ],
  [
    "name:tag@digest in the file and docker.io/library/postgres for postgres:17",
    "tag-and-digest",
    deployedAs(`${REPO}:1.0.0@${DIGEST}`),
    "pass",
    /pinned by digest/,
  ],
  [
    "a YAML anchor shared by api and worker (x-app: &app, <<: *app)",
    "anchors",
    () => {},
    "pass",
    /pinned by digest/,
  ],
  [
    "a Compose file reused as the stack (build, container_name, depends_on: ignored by stack deploy)",
    "copied-from-compose",
    () => {},
    "pass",
    /pinned by digest/,
  ],
  [
    "Hour 17 done: case-api updated by hand to another digest of the same image",
    "reference",
    (c) => {
      (
        service(c, "reg-case_case-api").Spec.TaskTemplate as { ContainerSpec: { Image: string } }
      ).ContainerSpec.Image = `${REPO}:1.1.0@sha256:${"c".repeat(64)}`;
    },
    "pass",
    /case-api was updated after the deploy .* brings .* back/,
  ],
  [
    "deployed by tag, as in Docker's swarm tutorial: Swarm pins a digest nobody chose",
    "by-tag",
    deployedAs(`${REPO}:1.0.0`),
    "fail",
    /case-api is deployed by tag \(registry:5000\/reg-case-platform:1\.0\.0\), not by digest: Swarm pinned a digest by itself/,
  ],
  ["no tag at all (latest at deploy time)", "latest", deployedAs(REPO), "fail", /deployed by tag/],
  [
    "a new digest written into the file, never deployed",
    "edited-not-redeployed",
    () => {},
    "fail",
    /names registry:5000\/reg-case-platform@sha256:1111.* but the stack deployed .*8b3f/,
  ],
  ["the stack file lost the worker", "no-worker", () => {}, "fail", /does not declare worker/],
  [
    "a service added to the file but never deployed (adminer)",
    "extra-service",
    () => {},
    "fail",
    /declares adminer, which the stack does not run/,
  ],
  [
    "a typo Compose's schema rejects",
    "typo",
    () => {},
    "fail",
    /docker compose config rejects it: .*Additional property imagee/,
  ],
  [
    "deployed under another name: docker stack deploy -c stack.yml myapp",
    "reference",
    (c) => renameStack(c, "reg-case", "myapp"),
    "fail",
    /no service reg-case_case-api, reg-case_worker\. myapp_case-api belongs to the stack "myapp".*Deploy it as reg-case/,
  ],
  [
    "made by hand with docker service create --name reg-case_case-api (no stack labels)",
    "reference",
    (c) => renameStack(c, "reg-case", undefined),
    "fail",
    /reg-case_case-api was made by hand \(docker service create\), not by docker stack deploy/,
  ],
  [
    "case-api switched by hand to another image (docker service update --image nginx:1.26)",
    "reference",
    (c) => {
      (
        service(c, "reg-case_case-api").Spec.TaskTemplate as { ContainerSpec: { Image: string } }
      ).ContainerSpec.Image = `nginx:1.26@sha256:${"d".repeat(64)}`;
    },
    "fail",
    /reg-case_case-api runs nginx:1\.26@.* not the .* its stack deployed: it was changed by hand/,
  ],
  [
    "pinned by digest, but to a local image name the workers cannot pull",
    "reference",
    deployedAs(`reg-case-platform@${DIGEST}`),
    "fail",
    /case-api's image comes from docker\.io\/library\/reg-case-platform, not registry:5000\/reg-case-platform/,
  ],
  [
    "a service left from an older file, deployed without --prune",
    "reference",
    (c) => {
      const old = clone(service(c, "reg-case_redis"));
      old.ID = "oldcache";
      old.Spec.Name = "reg-case_cache";
      c.services.push(old);
    },
    "fail",
    /the stack runs reg-case_cache, which .* does not declare \(deployed from another file, or without --prune\)/,
  ],
];

describe("swarm.stack.deployed on recorded stacks", () => {
  it.each(variants)("%s", (_name, stack, edit, status, summary) => {
    const swarm = clone(solved);
    edit(swarm);
    const r = evaluateStackDeployed({ swarm, file: file(stack) }, params);
    expect(r.status, r.summary).toBe(status);
    expect(r.summary).toMatch(summary);
  });

  it("a missing stack file fails on its own", () => {
    const r = evaluateStackDeployed({ swarm: solved, file: { path: PATH, error: "no such file" } }, params);
    expect(r.summary).toBe(`${PATH}: no such file.`);
  });

  it("reads image references as the engine does", () => {
    expect(repositoryOf("postgres:17")).toBe("docker.io/library/postgres");
    expect(repositoryOf("registry:5000/app@sha256:aa")).toBe("registry:5000/app");
    expect(repositoryOf("bitnami/redis")).toBe("docker.io/bitnami/redis");
    expect(sameImage("postgres:17", "docker.io/library/postgres:17@sha256:ff")).toBe(true);
    expect(sameImage("postgres:17", "postgres:16@sha256:ff")).toBe(false);
    expect(sameImage("redis", "redis:latest")).toBe(true);
  });
});
