import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import {
  collectImage,
  collectImageFiles,
  type ImageFiles,
  type ImageRecord,
} from "../../collectors/collect-image.ts";
import { resolveUser } from "../../parsers/user-resolution.ts";
import { IMAGE_SOURCE, ImageParam, noImage } from "./shared.ts";

/**
 * The image's default user, resolved as Docker resolves it at start: a name (user or group)
 * that the image's /etc/passwd or /etc/group lacks makes `docker run` refuse to start
 * ("unable to find user …: no matching entries in passwd file"), so it fails here too.
 */
export function evaluateNonRoot(
  image: ImageRecord,
  files: Pick<ImageFiles, "passwd" | "group"> | undefined,
): CheckOutcome {
  if (!image.inspect) return noImage(image);
  const raw = image.inspect.Config.User ?? "";
  const user = resolveUser(raw, files?.passwd ?? null, files?.group ?? null);
  const evidence: Evidence[] = [
    {
      source: IMAGE_SOURCE,
      field: "Config.User",
      observed: raw,
      expected: "a non-root user, e.g. node or 65532",
    },
    { source: `${image.ref}:/etc/passwd`, field: "resolved uid", observed: user.uid, expected: "≠ 0" },
    { source: `${image.ref}:/etc/group`, field: "resolved gid", observed: user.gid },
    { source: `${image.ref}:/etc/passwd`, field: "resolved via", observed: user.problem ?? user.via },
  ];
  if (user.problem) {
    return fail(`Docker would refuse to start the image as Config.User "${raw}": ${user.problem}.`, evidence);
  }
  if (user.uid === null) return fail(`Config.User "${raw}" cannot be resolved.`, evidence);
  if (user.uid === 0) return fail(`The image runs as root (Config.User "${raw}" is uid 0).`, evidence);
  return pass(
    `The image runs as uid ${user.uid}${user.gid !== null ? `, gid ${user.gid}` : ""} (Config.User "${raw}"${user.gid === 0 ? "; group root, which is allowed" : ""}).`,
    evidence,
  );
}

const Params = z.object({ image: ImageParam }).strict();

export const nonRoot = defineCheck({
  id: "image.user.nonroot",
  title: "Non-root default user",
  kind: "snapshot",
  watches: { objects: ["image"], images: (p: z.infer<typeof Params>) => [p.image] },
  params: Params,
  async collect(ctx, p) {
    const image = await collectImage(ctx, p.image);
    const files = image.inspect
      ? await collectImageFiles(ctx, p.image, { paths: [], emptyDirs: [] })
      : undefined;
    return { image, files };
  },
  evaluate: (f) => evaluateNonRoot(f.image, f.files),
});
