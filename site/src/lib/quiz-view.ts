import { QuizVerdict, QuizView } from "../../../lab-agent/src/course/quizzes.ts";
import { AgentRequestError, findAgent, getJson, postJson } from "./agent-api.ts";

/** Without an agent (the site hosted as plain docs, or the agent stopped) the quiz cannot be graded. */
export const NO_AGENT =
  "The quiz is graded by the Drydock agent, which is not answering: start it (`npm start`) and open this page from the URL it prints.";

/**
 * Draws the quiz from GET /api/quiz/<block>, one radio group per question, and on Submit posts
 * `{answers}` to the agent, then shows its verdict: right or not, and which questions were wrong
 * (the agent never says which option was right).
 */
export async function mountQuiz(root: HTMLElement): Promise<void> {
  const block = root.dataset.block ?? "";
  const status = root.querySelector<HTMLElement>(".dd-quiz-status");
  const form = root.querySelector<HTMLFormElement>(".dd-quiz-form");
  const verdictEl = root.querySelector<HTMLElement>(".dd-quiz-verdict");
  if (!status || !form || !verdictEl) return;
  const say = (text: string, state = "info") => {
    status.textContent = text;
    root.dataset.state = state;
  };
  const reach = await findAgent();
  if (reach.kind === "absent") return say(NO_AGENT, "no-agent");
  if (reach.kind === "no-token") return say(`${reach.error.message} ${reach.error.hint ?? ""}`, "no-agent");
  const path = `/api/quiz/${encodeURIComponent(block)}`;
  let view: QuizView;
  try {
    view = await getJson(path, QuizView);
  } catch (err) {
    return say(err instanceof AgentRequestError ? err.message : NO_AGENT, "no-agent");
  }
  say(`${view.title}: ${view.questions.length} questions. Only your latest attempt counts.`, "ready");
  form.replaceChildren();
  for (const q of view.questions) {
    const set = el("fieldset", "dd-quiz-question");
    set.dataset.question = q.id;
    set.append(el("legend", "", q.prompt));
    for (const o of q.options) {
      const label = el("label", "dd-quiz-option");
      const input = document.createElement("input");
      input.type = "radio";
      input.name = q.id;
      input.value = o.id;
      input.required = true;
      label.append(input, document.createTextNode(` ${o.text}`));
      set.append(label);
    }
    form.append(set);
  }
  const submit = el("button", "dd-quiz-submit", "Submit answers");
  submit.setAttribute("type", "submit");
  form.append(submit);
  form.hidden = false;
  const show = (v: QuizVerdict, earlier = false): void => {
    root.dataset.verdict = v.passed ? "pass" : "fail";
    const when = earlier ? "Your latest attempt: " : "";
    verdictEl.textContent = v.passed
      ? `${when}all ${v.total} right.`
      : `${when}${v.correct} of ${v.total} right. Look again at: ${v.wrong.join(", ")}.`;
    for (const set of form.querySelectorAll<HTMLElement>(".dd-quiz-question"))
      set.dataset.wrong = String(v.wrong.includes(set.dataset.question ?? ""));
  };
  if (view.latest) show(view.latest, true);

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const answers: Record<string, string> = {};
    for (const q of view.questions) {
      const a = data.get(q.id);
      if (typeof a === "string") answers[q.id] = a;
    }
    submit.disabled = true;
    verdictEl.textContent = "Grading…";
    postJson(path, { answers }, QuizVerdict)
      .then((v) => show(v))
      .catch((err: unknown) => {
        root.dataset.verdict = "error";
        verdictEl.textContent = err instanceof AgentRequestError ? err.message : NO_AGENT;
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  cls: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
