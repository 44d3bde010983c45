import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { commandExists } from "../common/run-command.ts";

/**
 * Opens the page in the user's browser without putting the token on a command line
 * (where `ps` would show it to other users): xdg-open gets a 0600 file that redirects,
 * as Jupyter's redirect file does. Never fails; says so when it cannot open anything.
 */
export async function openBrowser(home: string, url: string): Promise<boolean> {
  if (!(await commandExists("xdg-open"))) return false;
  const file = join(home, "open.html");
  const safe = url.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
  writeFileSync(
    file,
    `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${safe}"><title>Drydock</title><a href="${safe}">Open Drydock</a>\n`,
    { mode: 0o600 },
  );
  try {
    const child = spawn("xdg-open", [file], { detached: true, stdio: "ignore" });
    child.on("error", () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}
