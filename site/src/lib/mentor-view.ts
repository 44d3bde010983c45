import { EndorsementAnswer, ScorecardReview } from "../../../lab-agent/src/course/score-wire.ts";
import { AgentRequestError, findAgent, postJson } from "./agent-api.ts";
import { el } from "./progress-view.ts";

/**
 * The mentor page: open a learner's scorecard file, have the agent verify it offline (signature
 * and every part's digest), read level, evidence per deliverable and practice time, then sign off
 * what no machine can judge, with comments. The review comes back signed by this installation's
 * key, bound to that scorecard, and already verified against it; the page offers it as a file for
 * the learner (`drydock scorecard import-review`). Needs an agent, not a lab
 * (`drydock start --no-lab`).
 */
export async function mountMentor(root: HTMLElement): Promise<void> {
  const status = root.querySelector<HTMLElement>(".dd-mentor-status");
  const say = (text: string) => {
    if (status) status.textContent = text;
  };
  const reach = await findAgent();
  if (reach.kind === "absent")
    return say(
      "This page needs a Drydock agent (no lab): run `npx drydock start --no-lab` and open the URL it prints.",
    );
  if (reach.kind === "no-token") return say(`${reach.error.message} ${reach.error.hint ?? ""}`);
  const input = root.querySelector<HTMLInputElement>("input.dd-mentor-file");
  if (!input) return;
  input.disabled = false;
  say("Open the learner's scorecard file (the JSON `drydock scorecard export` wrote).");
  input.addEventListener("change", () => {
    const file = input.files?.[0];
    if (file) void open(root, file, say);
  });
}

async function open(root: HTMLElement, file: File, say: (t: string) => void): Promise<void> {
  const body = root.querySelector<HTMLElement>(".dd-mentor-body");
  if (!body) return;
  body.replaceChildren();
  let card: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(await file.text());
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new Error("not an object");
    card = parsed as Record<string, unknown>;
  } catch {
    return say(`${file.name} is not a JSON file: open the scorecard exactly as the learner sent it.`);
  }
  let review: ScorecardReview;
  try {
    review = await postJson("/api/scorecard/verify", { scorecard: card }, ScorecardReview);
  } catch (err) {
    return say(
      err instanceof AgentRequestError
        ? `${err.message} ${err.error.hint ?? ""}`
        : "The agent did not answer.",
    );
  }
  say("");
  root.dataset.verified = String(review.verified);
  body.append(verdict(review), facts(review), deliverables(review), practice(review));
  if (review.verified) body.append(signOffForm(card, review, pageTitles(root), say));
}

function verdict(r: ScorecardReview): HTMLElement {
  const who = r.thisInstallation ? "this installation" : `another installation (${r.issuer})`;
  const text = r.verified
    ? `Verified: signed ${r.validFrom ?? ""} by ${who}, and nothing in it changed since.`
    : `Tampered: ${r.reason ?? "it does not verify"}. Do not trust this scorecard.`;
  const p = el("p", `dd-mentor-verdict ${r.verified ? "dd-ok" : "dd-bad"}`, text);
  p.setAttribute("role", "status");
  return p;
}

function facts(r: ScorecardReview): HTMLElement {
  const div = el("div", "dd-mentor-facts");
  div.append(
    el("p", "dd-mentor-learner", r.learner ? `Learner: ${r.learner}` : (r.name ?? "")),
    el(
      "p",
      "dd-mentor-level",
      `Rubric level ${r.level} proven; ${r.provisionalLevel} as far as the lab checks.`,
    ),
  );
  return div;
}

function deliverables(r: ScorecardReview): HTMLElement {
  const table = el("table", "dd-mentor-deliverables");
  const head = el("tr", "");
  for (const h of ["deliverable", "latest result", "evidence (SHA-256)"]) head.append(el("th", "", h));
  table.append(head);
  for (const d of r.deliverables) {
    const tr = el("tr", "");
    tr.dataset.deliverable = d.key;
    tr.dataset.status = d.status;
    const what = el("td", "");
    what.append(el("code", "", d.key), document.createTextNode(` ${d.title}`));
    const hash = el("td", "", d.evidenceHash.replace(/^ni:\/\/\/sha-256;/, "").slice(0, 16));
    hash.title = d.evidenceHash;
    tr.append(what, el("td", "", `${d.status}: ${d.summary}`), hash);
    tr.title = d.narrative;
    table.append(tr);
  }
  return table;
}

function practice(r: ScorecardReview): HTMLElement {
  const p = el("p", "dd-mentor-practice");
  const total = r.practice.reduce((n, b) => n + b.minutes, 0);
  const planned = r.practice.reduce((n, b) => n + b.plannedMinutes, 0);
  p.textContent = `Practice: ${total} of ${planned} planned minutes (${
    r.practice
      .filter((b) => b.minutes > 0)
      .map((b) => `${b.block} ${b.minutes}`)
      .join(", ") || "none recorded"
  }).`;
  return p;
}

/** The pages' own titles for deliverables no check judges (MentorReview.astro puts them there). */
function pageTitles(root: HTMLElement): Record<string, string> {
  try {
    const t: unknown = JSON.parse(root.dataset.titles ?? "{}");
    return typeof t === "object" && t !== null ? (t as Record<string, string>) : {};
  } catch {
    return {};
  }
}

function signOffForm(
  card: Record<string, unknown>,
  r: ScorecardReview,
  titles: Record<string, string>,
  say: (t: string) => void,
): HTMLElement {
  const form = el("form", "dd-mentor-form") as HTMLFormElement;
  form.append(el("h3", "", "Your review"));
  const nameLabel = el("label", "", "Your name ");
  const name = el("input", "dd-mentor-name") as HTMLInputElement;
  name.required = true;
  name.maxLength = 200;
  nameLabel.append(name);
  form.append(
    nameLabel,
    el(
      "p",
      "",
      "Sign off only what you judged yourself (a diagram, an ADR, an incident note, a teach-back).",
    ),
  );
  const list = el("ul", "dd-mentor-items");
  for (const item of r.mentorItems) {
    const li = el("li", "");
    li.dataset.item = item.item;
    const label = el("label", "");
    const box = el("input", "") as HTMLInputElement;
    box.type = "checkbox";
    box.value = item.item;
    label.append(
      box,
      document.createTextNode(` ${titles[item.item] ?? item.title} (level ${item.level}, `),
      el("code", "", item.item),
      document.createTextNode(")"),
    );
    if (item.signedOffBy)
      label.append(document.createTextNode(` — already signed off by ${item.signedOffBy}`));
    const comment = el("textarea", "dd-mentor-comment") as HTMLTextAreaElement;
    comment.maxLength = 2000;
    comment.rows = 2;
    comment.placeholder = "What you saw (optional)";
    li.append(label, comment);
    list.append(li);
  }
  const overall = el("textarea", "dd-mentor-overall") as HTMLTextAreaElement;
  overall.maxLength = 4000;
  overall.rows = 3;
  overall.placeholder = "An overall comment (optional)";
  const submit = el("button", "dd-mentor-sign", "Sign the review") as HTMLButtonElement;
  submit.type = "submit";
  const result = el("div", "dd-mentor-result");
  form.append(list, overall, submit, result);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const signOffs = [...list.querySelectorAll<HTMLLIElement>("li")]
      .filter((li) => li.querySelector<HTMLInputElement>("input[type=checkbox]")?.checked)
      .map((li) => ({ item: li.dataset.item ?? "", comment: li.querySelector("textarea")?.value ?? "" }));
    if (signOffs.length === 0) return say("Tick at least one item you signed off.");
    submit.disabled = true;
    say("Signing…");
    postJson(
      "/api/scorecard/endorse",
      {
        scorecard: card,
        mentorName: name.value,
        signOffs,
        ...(overall.value ? { comment: overall.value } : {}),
      },
      EndorsementAnswer,
    )
      .then((answer) => {
        say("");
        const blob = new Blob([`${JSON.stringify(answer.review, null, 2)}\n`], { type: "application/json" });
        const link = el("a", "dd-mentor-download", `Download ${answer.fileName}`) as HTMLAnchorElement;
        link.href = URL.createObjectURL(blob);
        link.download = answer.fileName;
        const bound = answer.verified && answer.boundToScorecard;
        result.dataset.verified = String(bound);
        result.replaceChildren(
          el(
            "p",
            bound ? "dd-ok" : "dd-bad",
            bound
              ? `Signed and verified: the review is bound to this scorecard. Send the file to the learner; \`drydock scorecard import-review ${answer.fileName}\` counts your sign-offs.`
              : "The signed review did not verify against this scorecard: do not send it.",
          ),
          link,
        );
      })
      .catch((err: unknown) =>
        say(
          err instanceof AgentRequestError
            ? `${err.message} ${err.error.hint ?? ""}`
            : "The agent did not answer.",
        ),
      )
      .finally(() => {
        submit.disabled = false;
      });
  });
  return form;
}
