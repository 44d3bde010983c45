import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The Debian mirror this host already uses, read from its apt configuration,
 * so Drydock never names a mirror itself. Security and update suites are skipped.
 */
export function hostDebianMirror(aptDir = "/etc/apt"): string | undefined {
  const files: string[] = [];
  try {
    files.push(readFileSync(join(aptDir, "sources.list"), "utf8"));
  } catch {}
  try {
    for (const name of readdirSync(join(aptDir, "sources.list.d")).sort()) {
      if (name.endsWith(".sources") || name.endsWith(".list")) {
        files.push(readFileSync(join(aptDir, "sources.list.d", name), "utf8"));
      }
    }
  } catch {}
  for (const text of files) {
    const found = mirrorFromSources(text);
    if (found) return found;
  }
  return undefined;
}

/** Parses one-line (`deb URL suite comp`) and deb822 (`URIs:` / `Suites:`) formats. */
export function mirrorFromSources(text: string): string | undefined {
  for (const stanza of text.split(/\n\s*\n/)) {
    const uris = /^URIs:\s*(\S+)/im.exec(stanza)?.[1];
    const suites = /^Suites:\s*(.+)$/im.exec(stanza)?.[1] ?? "";
    const types = /^Types:\s*(.+)$/im.exec(stanza)?.[1] ?? "deb";
    const enabled = !/^Enabled:\s*no/im.test(stanza);
    if (uris && enabled && types.split(/\s+/).includes("deb") && isMainArchive(uris, suites)) return uris;
  }
  for (const line of text.split("\n")) {
    const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (m?.[1] && m[2] && isMainArchive(m[1], m[2])) return m[1];
  }
  return undefined;
}

function isMainArchive(uri: string, suites: string): boolean {
  return (
    /^https?:\/\//.test(uri) &&
    !/security/.test(uri) &&
    !/-security\b/.test(suites) &&
    /\/debian\/?$/.test(uri)
  );
}
