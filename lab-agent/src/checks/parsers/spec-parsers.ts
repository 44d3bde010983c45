/** Normalisers for fields that engines store as sent (dockerode does not normalise like the Go client). */

/** `net_bind_service`, `CAP_NET_BIND_SERVICE`, ` all ` → `CAP_NET_BIND_SERVICE`, `ALL`. */
export function normalizeCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === "ALL") return "ALL";
  return upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
}

/**
 * Whether `HostConfig.SecurityOpt` turns no-new-privileges on, with the daemon's rules:
 * `no-new-privileges`, `no-new-privileges=true|false`, the deprecated `:` form; the last one wins.
 */
export function noNewPrivileges(securityOpt: readonly string[] | null | undefined): boolean | undefined {
  let result: boolean | undefined;
  for (const opt of securityOpt ?? []) {
    const m = /^no-new-privileges(?:([=:])(.*))?$/i.exec(opt.trim());
    if (!m) continue;
    if (m[1] === undefined) {
      result = true;
      continue;
    }
    const value = (m[2] ?? "").trim().toLowerCase();
    if (["1", "t", "true"].includes(value)) result = true;
    else if (["0", "f", "false"].includes(value)) result = false;
  }
  return result;
}

/** An image reference's parts; a port in the registry is not a tag (`registry:5000/app`). */
export function parseImageRef(ref: string): { name: string; tag?: string; digest?: string } {
  const at = ref.indexOf("@");
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const rest = at >= 0 ? ref.slice(0, at) : ref;
  const slash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  const tag = colon > slash ? rest.slice(colon + 1) : undefined;
  const name = colon > slash ? rest.slice(0, colon) : rest;
  return { name, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

export function isPinnedByDigest(ref: string): boolean {
  return /^sha256:[0-9a-f]{64}$/.test(parseImageRef(ref).digest ?? "");
}

export function digestOf(ref: string | undefined): string | undefined {
  return ref ? parseImageRef(ref).digest : undefined;
}

/** Swarm durations are nanoseconds. */
export function nanosToSeconds(ns: number | undefined): number | undefined {
  return ns === undefined ? undefined : ns / 1e9;
}

/** `node.labels.workload == app` → { key: "node.labels.workload", op: "==", value: "app" }. */
export function parseConstraint(text: string): { key: string; op: "==" | "!="; value: string } | undefined {
  const m = /^\s*([^=!\s]+)\s*(==|!=)\s*(.+?)\s*$/.exec(text);
  return m ? { key: m[1] as string, op: m[2] as "==" | "!=", value: m[3] as string } : undefined;
}
