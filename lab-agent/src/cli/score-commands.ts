import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { DrydockError, ErrorCode, errorMessage } from "../common/errors.ts";
import { drydockHome } from "../common/paths.ts";
import { ageText } from "../course/result-age.ts";
import { DEFAULT_LAB, LabId } from "../lab/lab-names.ts";
import { ProgressStore } from "../progress/progress-store.ts";
import {
  buildEndorsement,
  type ReviewVerification,
  SignOff,
  verifyEndorsement,
} from "../score/endorsement.ts";
import { loadInstallationKey } from "../score/installation-key.ts";
import {
  DISPLAY_NAME,
  EXPORTED,
  Exported,
  REVIEWS,
  Reviews,
  readProfileJson,
  readProgress,
} from "../score/learner-progress.ts";
import type { ProgressReport } from "../score/progress-report.ts";
import { loadRubric } from "../score/rubric-schema.ts";
import {
  buildScorecard,
  digest,
  signScorecard,
  type Verification,
  verifyScorecard,
} from "../score/scorecard.ts";
import { parseSubcommand } from "./cli-options.ts";

/**
 * `drydock progress` and `drydock scorecard export|verify`. They need no lab and no engine: only
 * DRYDOCK_HOME (progress.db, the installation key) and the repository's exercises and rubrics.
 * They parse their own options, so main.ts only dispatches to them.
 */
export const SCORE_USAGE = `  drydock progress [--lab ID] [--json]           results, practice time and rubric level per block
  drydock scorecard export [--lab ID] [--name NAME] [--out FILE]
                                                  a signed Open Badges 3.0 scorecard (stdout without --out)
  drydock scorecard verify FILE [--scorecard CARD] [--json]
                                                  check a scorecard's (or a review's) signature and integrity, offline
  drydock scorecard endorse CARD --name MENTOR [--signoff ITEM[=COMMENT]]... [--comment TEXT] [--out FILE]
                                                  a mentor's signed review (an EndorsementCredential) of CARD
  drydock scorecard import-review FILE            keep a mentor's review of one of your scorecards: its sign-offs
                                                  count in your level, and later scorecards carry it
`;

interface Io {
  stdout: NodeJS.WritableStream;
}

const Options = z
  .object({
    lab: LabId.default(DEFAULT_LAB),
    json: z.boolean().default(false),
    name: z
      .string()
      .trim()
      .min(1, "a display name, e.g. --name 'Ana P.'")
      .max(80, "at most 80 characters")
      .refine((s) => ![...s].some((c) => c.charCodeAt(0) < 32), "no control characters")
      .optional(),
    out: z.string().min(1).optional(),
    scorecard: z.string().min(1).optional(),
    signoff: z.array(z.string().min(1)).default([]),
    comment: z.string().max(4000).optional(),
    help: z.boolean().default(false),
  })
  .strict();
type Options = z.infer<typeof Options>;

function usage(message: string): DrydockError {
  return new DrydockError(ErrorCode.usage, message, { hint: `Usage:\n${SCORE_USAGE}` });
}

function parse(argv: string[]): { words: string[]; opts: Options } {
  return parseSubcommand(
    argv,
    {
      lab: { type: "string" },
      json: { type: "boolean" },
      name: { type: "string" },
      out: { type: "string" },
      scorecard: { type: "string" },
      signoff: { type: "string", multiple: true },
      comment: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    Options,
    SCORE_USAGE,
  );
}

/** Runs `progress` or `scorecard …`; returns the exit code (a failed verification is 16). */
export async function scoreCommand(argv: string[], io: Io, home = drydockHome()): Promise<number> {
  const { words, opts } = parse(argv);
  if (opts.help) {
    io.stdout.write(SCORE_USAGE);
    return 0;
  }
  const [command, sub, ...rest] = words;
  if (command === "progress") {
    if (sub !== undefined) throw usage(`Unexpected argument "${sub}".`);
    const { report } = readProgress(home, opts.lab);
    io.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatProgress(report, Date.now()));
    return 0;
  }
  if (command !== "scorecard") throw usage(`Unknown command "${command}".`);
  if (sub === "export") {
    if (rest.length > 0) throw usage(`Unexpected argument "${rest[0]}".`);
    const text = await exportScorecard(home, opts);
    if (opts.out) {
      const file = resolve(opts.out);
      writeAtomically(file, text);
      io.stdout.write(
        `Wrote the signed scorecard to ${file}. \`drydock scorecard verify ${opts.out}\` checks it.\n`,
      );
    } else io.stdout.write(text);
    return 0;
  }
  if (sub === "endorse") {
    const [file, extra] = rest;
    if (!file) throw usage("`drydock scorecard endorse` needs the scorecard file.");
    if (extra) throw usage(`Unexpected argument "${extra}".`);
    if (!opts.name) throw usage("`drydock scorecard endorse` needs the mentor's name: --name 'Your Name'.");
    const signOffs = opts.signoff.map((s) => {
      const [item = "", ...comment] = s.split("=");
      const parsed = SignOff.safeParse({ item, comment: comment.join("=") });
      if (!parsed.success) throw usage(`--signoff ${s}: ${parsed.error.issues[0]?.message}`);
      return parsed.data;
    });
    const key = await loadInstallationKey(home);
    const review = await buildEndorsement({
      scorecard: readJson(file) as Record<string, unknown>,
      mentorName: opts.name,
      signOffs,
      ...(opts.comment ? { comment: opts.comment } : {}),
      rubric: loadRubric(),
      key,
    });
    const text = `${JSON.stringify(await signScorecard(review, key), null, 2)}\n`;
    if (opts.out) {
      writeAtomically(resolve(opts.out), text);
      io.stdout.write(`Wrote the signed review to ${resolve(opts.out)}.\n`);
    } else io.stdout.write(text);
    return 0;
  }
  if (sub === "import-review") {
    const [file, extra] = rest;
    if (!file) throw usage("`drydock scorecard import-review` needs the review file.");
    if (extra) throw usage(`Unexpected argument "${extra}".`);
    const doc = readJson(file);
    if (!isReview(doc)) throw usage(`${file} is not a mentor's review (an EndorsementCredential).`);
    const result = await verifyEndorsement(doc);
    if (!result.verified) {
      throw new DrydockError(ErrorCode.usage, `The review does not verify: ${result.reason}.`, {
        hint: "Ask the mentor for the file exactly as `drydock scorecard endorse` wrote it.",
      });
    }
    const review = (doc as { drydockReview: { scorecard: string; scorecardDigest: string } }).drydockReview;
    const store = new ProgressStore(home);
    try {
      const exported = readProfileJson(store, EXPORTED, Exported, {});
      if (exported[review.scorecard] !== review.scorecardDigest) {
        throw new DrydockError(
          ErrorCode.usage,
          "This review is of a scorecard this installation did not export.",
          {
            hint: "Import reviews of your own scorecards (`drydock scorecard export` on this machine).",
          },
        );
      }
      const reviews = readProfileJson(store, REVIEWS, Reviews, []);
      const id = (doc as { id?: unknown }).id;
      store.setProfile(
        REVIEWS,
        JSON.stringify([...reviews.filter((r) => r.id !== id), doc as Record<string, unknown>]),
      );
    } finally {
      store.close();
    }
    io.stdout.write(
      `Imported the review by ${result.issuer}: ${result.signOffs.map((s) => s.item).join(", ") || "no sign-offs"}. \`drydock progress\` counts them.\n`,
    );
    return 0;
  }
  if (sub === "verify") {
    const [file, extra] = rest;
    if (!file) throw usage("`drydock scorecard verify` needs the scorecard file.");
    if (extra) throw usage(`Unexpected argument "${extra}".`);
    const doc = readJson(file);
    if (isReview(doc)) {
      const card = opts.scorecard ? (readJson(opts.scorecard) as Record<string, unknown>) : undefined;
      const result = await verifyEndorsement(doc, card);
      const { did } = await loadInstallationKey(home);
      io.stdout.write(
        opts.json
          ? `${JSON.stringify({ ...result, thisInstallation: result.issuer === did }, null, 2)}\n`
          : formatReview(result, result.issuer === did),
      );
      return result.verified ? 0 : SCORECARD_TAMPERED_EXIT;
    }
    const result = await verifyScorecard(doc);
    const { did } = await loadInstallationKey(home);
    const ours = result.issuer === did;
    io.stdout.write(
      opts.json
        ? `${JSON.stringify({ ...result, thisInstallation: ours }, null, 2)}\n`
        : formatVerification(result, ours),
    );
    return result.verified ? 0 : SCORECARD_TAMPERED_EXIT;
  }
  throw usage(
    sub
      ? `Unknown scorecard subcommand "${sub}" (expected export or verify).`
      : "`drydock scorecard` needs export or verify.",
  );
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

function isReview(doc: unknown): boolean {
  const type = (doc as { type?: unknown } | null)?.type;
  return Array.isArray(type) && type.includes("EndorsementCredential");
}

export function formatReview(v: ReviewVerification, ours: boolean): string {
  const who = ours ? "this installation" : `another installation (${v.issuer})`;
  const items = v.signOffs.map((s) => `  - ${s.item}${s.comment ? `: ${s.comment}` : ""}`).join("\n");
  const binding =
    v.boundToScorecard === undefined
      ? "\n(Give the scorecard with --scorecard CARD to check that the review is bound to it.)"
      : "";
  if (v.verified)
    return `Verified: ${v.name ?? "the review"}, signed ${v.validFrom ?? ""} by ${who}. Signed off:\n${items || "  (nothing)"}${binding}\n`;
  return `Tampered: ${v.reason}.\nIssuer: ${who}. Do not trust this review.\n`;
}

/** `scorecard verify` on a scorecard that does not verify. */
export const SCORECARD_TAMPERED_EXIT = 16;

export async function exportScorecard(
  home: string,
  opts: Pick<Options, "lab" | "name">,
  now = new Date(),
): Promise<string> {
  if (opts.name) {
    const store = new ProgressStore(home);
    try {
      store.setProfile(DISPLAY_NAME, opts.name);
    } finally {
      store.close();
    }
  }
  const { report, level, displayName, reviews } = readProgress(home, opts.lab, now.getTime());
  if (!displayName) {
    throw new DrydockError(ErrorCode.usage, "The scorecard needs the name a mentor will know you by.", {
      hint: "Pass it once with --name 'Your Name' (it is remembered in progress.db).",
    });
  }
  const key = await loadInstallationKey(home);
  const card = buildScorecard({ report, level, displayName, key, now, endorsements: reviews });
  const signed = await signScorecard(card, key);
  const store = new ProgressStore(home);
  try {
    const exported = readProfileJson(store, EXPORTED, Exported, {});
    store.setProfile(EXPORTED, JSON.stringify({ ...exported, [String(signed.id)]: digest(signed) }));
  } finally {
    store.close();
  }
  return `${JSON.stringify(signed, null, 2)}\n`;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new DrydockError(ErrorCode.notFound, `Cannot read ${file}: ${errorMessage(err)}`, {
      hint: "Give the path of a scorecard file written by `drydock scorecard export --out FILE`.",
    });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DrydockError(ErrorCode.usage, `${file} is not JSON: ${errorMessage(err)}`, {
      hint: "A scorecard is the JSON file `drydock scorecard export` writes.",
    });
  }
}

const MARK: Record<string, string> = { pass: "✓", fail: "✗", error: "!", skipped: "-" };

export function formatProgress(report: ProgressReport, now: number): string {
  const lines = [
    `Lab "${report.lab}": maturity level ${report.level} proven, ${report.provisionalLevel} as far as the lab checks today.`,
    `Practice: ${Math.round(report.practiceMinutes)} of ${report.plannedMinutes} planned minutes.`,
  ];
  for (const b of report.blocks) {
    const time = `${Math.round(Math.max(b.terminalMinutes, b.pageMinutes))}/${b.plannedMinutes} min`;
    const state = !b.checked ? "not checked yet" : b.finished ? "finished" : "in progress";
    lines.push("", `${b.block} ${b.title} — ${state}, ${time}`);
    for (const d of b.deliverables) {
      if (!d.status) {
        lines.push(`  · ${d.id} — never checked`);
        continue;
      }
      const first = d.firstPassAt ? `, first passed ${ageText(d.firstPassAt, now)}` : "";
      lines.push(
        `  ${MARK[d.status] ?? "?"} ${d.id} — ${d.status} ${ageText(d.at ?? "", now)}, ${d.attempts} attempt${d.attempts === 1 ? "" : "s"}${first}`,
      );
    }
  }
  const named = (state: string) => report.drills.filter((d) => d.state === state).map((d) => d.drill);
  const [done, failed, notRun, later] = ["done", "failed", "not-run", "not-checked-yet"].map(named) as [
    string[],
    string[],
    string[],
    string[],
  ];
  const parts = [
    done.length ? `${done.join(", ")} done (verification passed)` : "none done yet",
    ...(failed.length ? [`${failed.join(", ")}: last run did not pass`] : []),
    ...(notRun.length ? [`${notRun.join(", ")} not run yet (drydock drill <name> start)`] : []),
    ...(later.length ? [`${later.join(", ")} not checked by Drydock yet`] : []),
  ];
  lines.push("", `Drills: ${parts.join("; ")}.`);
  if (report.nextLevel) {
    lines.push("", `For level ${report.nextLevel.level} (${report.nextLevel.name}):`);
    for (const m of report.nextLevel.missing) lines.push(`  - ${m}`);
  }
  return `${lines.join("\n")}\n`;
}

export function formatVerification(v: Verification, ours: boolean): string {
  const who = ours ? "this installation" : "another installation";
  if (v.verified) {
    return `Verified: ${v.name ?? "the scorecard"}, signed ${v.validFrom ?? ""} by ${who} (${v.issuer}), unchanged since.\n`;
  }
  return `Tampered: ${v.reason}.\nIssuer: ${v.issuer} (${who}). Do not trust its results.\n`;
}
