import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import { readStackFile, type StackFile } from "../../collectors/stack-file.ts";
import { type ClusterFacts, collectCluster } from "../../collectors/swarm-cluster.ts";
import { isPinnedByDigest, parseImageRef } from "../../parsers/spec-parsers.ts";
import { nameOf, noSwarm, requireServices, SERVICES, ServiceName, Stack, stackServices } from "./common.ts";

const Params = z
  .object({
    stack: Stack,
    stackFile: z.string().min(1).default("reg-case-platform/stack.yml"),
    /** The services whose image must be named by digest. */
    services: z.array(ServiceName).min(1).default(["case-api", "worker"]),
    /** Where their image must come from (workers pull it from the lab registry). */
    repository: z.string().min(1).default("registry:5000/reg-case-platform"),
  })
  .strict();
type Params = z.infer<typeof Params>;

export interface StackDeployedFacts {
  swarm: ClusterFacts;
  file: StackFile;
}

const LABEL = "com.docker.stack.image";

/** `postgres` → `docker.io/library/postgres`, as the engine names it. */
export function repositoryOf(ref: string): string {
  const { name } = parseImageRef(ref);
  const first = name.split("/")[0] ?? "";
  const hasRegistry =
    name.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  if (hasRegistry) return name;
  return `docker.io/${name.includes("/") ? name : `library/${name}`}`;
}

/** Two references to the same image: same repository, and same digest (or same tag when neither has one). */
export function sameImage(a: string, b: string): boolean {
  if (repositoryOf(a) !== repositoryOf(b)) return false;
  const ra = parseImageRef(a);
  const rb = parseImageRef(b);
  if (ra.digest || rb.digest) {
    // Swarm appends the digest it resolved to a tag (`name:tag@sha256:…`): a tag alone matches it.
    if (ra.digest && rb.digest) return ra.digest === rb.digest;
    const tagged = ra.digest ? rb : ra;
    const pinned = ra.digest ? ra : rb;
    return (tagged.tag ?? "latest") === (pinned.tag ?? "latest");
  }
  return (ra.tag ?? "latest") === (rb.tag ?? "latest");
}

export function evaluateStackDeployed(facts: StackDeployedFacts, p: Params): CheckOutcome {
  const { swarm, file } = facts;
  const none = noSwarm(swarm);
  if (none) return none;
  const declared = file.services ? Object.keys(file.services) : undefined;
  const evidence: Evidence[] = [
    {
      source: `laptop: docker compose --file ${file.path} config`,
      field: "services",
      observed: declared ?? file.error,
      expected: `declares ${p.services.join(", ")}`,
    },
  ];
  if (!file.services || !declared) return fail(`${file.path}: ${file.error}.`, evidence);
  const notInFile = p.services.filter((s) => !declared.includes(s));
  if (notInFile.length) return fail(`${file.path} does not declare ${notInFile.join(", ")}.`, evidence);
  const found = requireServices(swarm, p.stack, p.services);
  if (found.missing) return { ...found.missing, evidence: [...evidence, ...found.missing.evidence] };

  const inStack = stackServices(swarm, p.stack);
  const short = (n: string) => n.slice(p.stack.length + 1);
  const stackNames = inStack.map((s) => short(nameOf(s)));
  evidence.push({
    source: SERVICES,
    field: `services labelled com.docker.stack.namespace=${p.stack}`,
    observed: stackNames,
    expected: `the services of ${file.path}`,
  });
  const problems: string[] = [];
  const notes: string[] = [];
  const undeployed = declared.filter((s) => !stackNames.includes(s));
  if (undeployed.length)
    problems.push(
      `${file.path} declares ${undeployed.join(", ")}, which the stack does not run: the file changed since the deploy (docker stack deploy again)`,
    );
  const stray = stackNames.filter((s) => !declared.includes(s));
  if (stray.length)
    problems.push(
      `the stack runs ${stray.map((s) => `${p.stack}_${s}`).join(", ")}, which ${file.path} does not declare (deployed from another file, or without --prune)`,
    );

  for (const svc of inStack) {
    const name = short(nameOf(svc));
    const written = file.services[name]?.image;
    if (written === undefined && !declared.includes(name)) continue;
    const deployed = svc.Spec.Labels?.[LABEL] ?? "";
    const running = svc.Spec.TaskTemplate?.ContainerSpec?.Image ?? "";
    evidence.push({
      source: `${SERVICES} ${nameOf(svc)}`,
      field: `image: in the file / Spec.Labels["${LABEL}"] / ContainerSpec.Image`,
      observed: [written ?? "(none)", deployed, running],
      expected: p.services.includes(name)
        ? `${p.repository}@sha256:… deployed from the file, and running`
        : "the file's image, deployed and running",
    });
    if (written && !written.includes("$") && deployed && !sameImage(written, deployed))
      problems.push(
        `${file.path} names ${written} for ${name}, but the stack deployed ${deployed}: the file changed since the deploy, or another file was deployed`,
      );
    if (deployed && running && !sameImage(deployed, running)) {
      const sameRepo = repositoryOf(deployed) === repositoryOf(running);
      if (sameRepo && isPinnedByDigest(running) && isPinnedByDigest(deployed))
        notes.push(
          `${name} was updated after the deploy (docker service update --image): the next docker stack deploy of ${file.path} brings ${deployed} back`,
        );
      else
        problems.push(
          `${nameOf(svc)} runs ${running}, not the ${deployed} its stack deployed: it was changed by hand (docker service update --image)`,
        );
    }
    if (!p.services.includes(name)) continue;
    if (!isPinnedByDigest(deployed))
      problems.push(
        `${name} is deployed by tag (${deployed || "no image label"}), not by digest${isPinnedByDigest(running) ? ": Swarm pinned a digest by itself, but nobody chose it" : ""}`,
      );
    else if (repositoryOf(deployed) !== repositoryOf(p.repository))
      problems.push(`${name}'s image comes from ${repositoryOf(deployed)}, not ${p.repository}`);
  }
  if (problems.length) return fail(`${problems.join("; ")}.`, evidence);
  return pass(
    `Stack ${p.stack} runs the services of ${file.path}; ${p.services.join(", ")} pinned by digest${notes.length ? ` (${notes.join("; ")})` : ""}.`,
    evidence,
  );
}

export const stackDeployed = defineCheck({
  id: "swarm.stack.deployed",
  title: "Stack deployed from stack.yml by digest",
  kind: "snapshot",
  watches: { objects: ["service"], files: (p: Params) => [p.stackFile] },
  params: Params,
  async collect(ctx, p): Promise<StackDeployedFacts> {
    const [swarm, file] = await Promise.all([collectCluster(ctx), readStackFile(ctx.lab, p.stackFile)]);
    return { swarm, file };
  },
  evaluate: evaluateStackDeployed,
});
