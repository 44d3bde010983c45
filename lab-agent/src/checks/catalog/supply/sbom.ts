import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "../../check-result.ts";
import { sbomPackages, sbomSubjectDigest } from "../../parsers/osv-match.ts";
import {
  ATTESTATION_SOURCE,
  attached,
  collectRelease,
  isOutcome,
  PREDICATE,
  parseStructured,
  type ReleaseFacts,
  readWorkspaceFile,
  SupplyParams,
  watchesRelease,
} from "./shared.ts";

/** The app's production dependencies with the versions its lockfile locks (null: not locked). */
export type AppDependencies =
  | { found: true; deps: Record<string, string | null> }
  | { found: false; reason: string };

export function evaluateSbom(f: ReleaseFacts, app: AppDependencies): CheckOutcome {
  const a = attached(
    f,
    [PREDICATE.cyclonedx, PREDICATE.spdx],
    "SBOM attestation (cosign attest --type cyclonedx)",
  );
  if (isOutcome(a)) return a;
  const evidence: Evidence[] = [...a.evidence];
  const results = a.list.map((att) => {
    const pkgs = sbomPackages(att.predicate);
    const subject = sbomSubjectDigest(att.predicate);
    const deb = pkgs.filter((p) => p.purl.startsWith("pkg:deb/"));
    const npm = pkgs.filter((p) => p.purl.startsWith("pkg:npm/"));
    const problems: string[] = [];
    if (subject !== a.digest) problems.push(`it describes ${subject ?? "no image digest"}, not ${a.digest}`);
    if (deb.length === 0) problems.push("it lists no Debian package (pkg:deb) of the image");
    if (npm.length === 0) problems.push("it lists no npm package (pkg:npm) of the app");
    else if (app.found) {
      for (const [name, version] of Object.entries(app.deps)) {
        const hit = npm.filter((p) => p.name === name);
        if (hit.length === 0) problems.push(`the app's dependency ${name} is not in it`);
        else if (version && !hit.some((p) => p.version === version))
          problems.push(`${name} ${hit.map((p) => p.version).join("/")} is not the locked ${version}`);
      }
    }
    evidence.push({
      source: ATTESTATION_SOURCE,
      field: `${att.predicateType} SBOM`,
      observed: `for ${subject ?? "?"}: ${deb.length} pkg:deb, ${npm.length} pkg:npm (${npm
        .slice(0, 8)
        .map((p) => `${p.name}@${p.version}`)
        .join(", ")}${npm.length > 8 ? ", …" : ""})`,
      expected: `for ${a.digest}, the image's Debian packages and the app's npm dependencies`,
    });
    return { problems, deb: deb.length, npm: npm.length };
  });
  const good = results.find((r) => r.problems.length === 0);
  if (!good)
    return fail(
      `The SBOM attached to ${a.digest} is not this image's: ${results[0]?.problems.join("; ")}.`,
      evidence,
    );
  if (!app.found)
    return checkError(
      `Can't tell whether the SBOM lists the app's dependencies, because ${app.reason}.`,
      evidence,
    );
  return pass(
    `An SBOM for ${a.digest} is attached: ${good.deb} Debian and ${good.npm} npm packages, every dependency of the app at its locked version.`,
    evidence,
  );
}

export function appDependencies(pkgText: string | undefined, lockText: string | undefined): AppDependencies {
  if (!pkgText) return { found: false, reason: "the app has no package.json" };
  const pkg = parseStructured(pkgText, "package.json");
  if (!pkg.found) return { found: false, reason: `package.json ${pkg.reason}` };
  const deps = Object.keys((pkg.value.dependencies as Record<string, string>) ?? {});
  const lock = lockText
    ? (JSON.parse(lockText) as { packages?: Record<string, { version?: string }> })
    : undefined;
  return {
    found: true,
    deps: Object.fromEntries(deps.map((d) => [d, lock?.packages?.[`node_modules/${d}`]?.version ?? null])),
  };
}

export const sbomAttached = defineCheck({
  id: "supply.sbom",
  title: "An SBOM of the image's Debian and npm packages is attached to its digest",
  kind: "snapshot",
  params: SupplyParams,
  watches: {
    objects: watchesRelease.objects,
    files: (p: SupplyParams) => [...watchesRelease.files(p), `${p.app}/package-lock.json`],
  },
  async collect(ctx, p) {
    const release = await collectRelease(ctx, p);
    const pkg = readWorkspaceFile(ctx, `${p.app}/package.json`);
    const lock = readWorkspaceFile(ctx, `${p.app}/package-lock.json`);
    return {
      release,
      app: appDependencies(pkg.found ? pkg.value : undefined, lock.found ? lock.value : undefined),
    };
  },
  evaluate: (f) => evaluateSbom(f.release, f.app),
});
