/**
 * Who an image or container runs as, from `Config.User` and the image's own /etc/passwd
 * and /etc/group. Names resolve through those files only; a numeric uid needs no entry
 * (distroless images run as 65532 with none).
 */
export interface ResolvedUser {
  /** `Config.User` as written ("" means the default: root). */
  raw: string;
  uid: number | null;
  gid: number | null;
  /** How the uid was found, e.g. `numeric`, `/etc/passwd line 12`, `default (empty)`. */
  via: string;
  /** Why it could not be resolved, when uid is null. */
  problem?: string;
}

export function resolveUser(raw: string, passwd: string | null, group: string | null): ResolvedUser {
  const value = raw.trim();
  if (value === "") return { raw, uid: 0, gid: 0, via: "default (empty Config.User means root)" };
  const [userPart = "", groupPart] = value.split(":", 2);
  const users = parseDb(passwd);
  let uid: number | null = null;
  let gid: number | null = null;
  let via: string;
  if (/^\d+$/.test(userPart)) {
    uid = Number(userPart);
    const entry = users.find((u) => u.fields[2] === userPart);
    gid = entry ? toInt(entry.fields[3]) : null;
    via = entry
      ? `numeric (passwd line ${entry.line}: ${entry.fields[0]})`
      : "numeric (no passwd entry needed)";
  } else {
    const entry = users.find((u) => u.fields[0] === userPart);
    if (!entry) {
      return {
        raw,
        uid: null,
        gid: null,
        via: "name lookup",
        problem:
          passwd === null
            ? `the image has no /etc/passwd to resolve "${userPart}"`
            : `"${userPart}" is not in the image's /etc/passwd`,
      };
    }
    uid = toInt(entry.fields[2]);
    gid = toInt(entry.fields[3]);
    via = `/etc/passwd line ${entry.line}`;
  }
  if (groupPart !== undefined && groupPart !== "") {
    if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else {
      const entry = parseDb(group).find((g) => g.fields[0] === groupPart);
      if (!entry) {
        return { raw, uid, gid: null, via, problem: `group "${groupPart}" is not in the image's /etc/group` };
      }
      gid = toInt(entry.fields[2]);
    }
  }
  return { raw, uid, gid, via };
}

function parseDb(text: string | null): Array<{ line: number; fields: string[] }> {
  if (!text) return [];
  return text
    .split("\n")
    .map((l, i) => ({ line: i + 1, fields: l.trim().split(":") }))
    .filter((e) => e.fields.length >= 3 && !e.fields[0]?.startsWith("#"));
}

function toInt(text: string | undefined): number | null {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : null;
}
