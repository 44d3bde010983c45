import * as z from "zod/mini";
import { AgentError, AgentRequestError, getJson, postJson } from "./agent-api.ts";
import {
  canRestart,
  LabAgain,
  labLine,
  type MeAnswer,
  MeAnswer as MeSchema,
  timeLine,
} from "./workshop-me.ts";
import { forgetSeat, keepSeat, Seat, storedSeat } from "./workshop-seat.ts";

/**
 * The learner's join page (/workshop/join/): the event code and a display name, POST
 * /api/workshop/join with no credential; the seat it answers is kept in this origin's
 * localStorage (workshop-seat.ts), so a reload keeps it and the course pages' panels use it. Then
 * the learner's own lab, from GET /api/workshop/me every few seconds: starting, ready (the link to
 * the course), failed with its log tail or reaped (a button to start it again).
 */
export const POLL_MS = 3_000;
/** As the agent's DisplayName (lab-agent/src/workshop/event-schema.ts): checked here first, to say it at once. */
export const MAX_NAME = 40;

const JoinAnswer = z.object({
  credential: Seat.shape.credential,
  learner: Seat.shape.learner,
});
const ErrorBody = z.object({ error: AgentError });

export type JoinProblem = { field: "code" | "name"; message: string };

/** What is wrong with the form before asking the agent (pure): the name as the agent will keep it. */
export function checkForm(code: string, rawName: string): JoinProblem | { code: string; name: string } {
  const name = rawName.normalize("NFC").trim().replace(/\s+/g, " ");
  if (!code.trim()) return { field: "code", message: "Enter the event code the workshop lead shows." };
  if (!name) return { field: "name", message: "Enter a display name: it is how the workshop lead sees you." };
  if ([...name].length > MAX_NAME) {
    return {
      field: "name",
      message: `A display name has at most ${MAX_NAME} characters (this one has ${[...name].length}).`,
    };
  }
  return { code: code.trim(), name };
}

export function mountJoin(root: HTMLElement): void {
  const $ = <T extends HTMLElement>(sel: string) => root.querySelector<T>(sel) as T;
  const form = $<HTMLFormElement>("form[data-join]");
  const codeInput = $<HTMLInputElement>("input[name=code]");
  const nameInput = $<HTMLInputElement>("input[name=name]");
  const submit = $<HTMLButtonElement>("button[type=submit]");
  const problem = $<HTMLElement>("[data-error]");
  const full = $<HTMLElement>("[data-full]");
  const fullText = $<HTMLElement>("[data-full-text]");
  const seatBox = $<HTMLElement>("[data-seat]");
  const welcome = $<HTMLElement>("[data-welcome]");
  const labText = $<HTMLElement>("[data-lab]");
  const log = $<HTMLElement>("[data-log]");
  const restart = $<HTMLButtonElement>("[data-restart]");
  const course = $<HTMLAnchorElement>("[data-course]");
  const time = $<HTMLElement>("[data-time]");
  const leave = $<HTMLButtonElement>("[data-leave]");
  let timer: ReturnType<typeof setTimeout> | undefined;

  const show = (state: "form" | "full" | "seat" | "ended") => {
    root.dataset.state = state;
    form.hidden = state !== "form";
    full.hidden = state !== "full";
    seatBox.hidden = state !== "seat" && state !== "ended";
  };
  const sayProblem = (text: string, field?: "code" | "name") => {
    problem.textContent = text;
    problem.hidden = false;
    codeInput.setAttribute("aria-invalid", String(field === "code"));
    nameInput.setAttribute("aria-invalid", String(field === "name"));
    (field === "name" ? nameInput : codeInput).focus();
  };

  // From the kept seat at once (a reload shows the seat before the agent answers), then from each answer.
  const greet = (learner: Seat["learner"]) => {
    welcome.textContent = `You are in, ${learner.name}: seat ${learner.seat} of this workshop.`;
  };
  const render = (me: MeAnswer) => {
    greet(me.learner);
    labText.textContent = labLine(me);
    labText.dataset.labState = me.lab.state;
    const tail = me.lab.state === "failed" ? (me.lab.logTail ?? "") : "";
    log.textContent = tail;
    log.hidden = !tail;
    restart.hidden = !canRestart(me.lab, me.event);
    restart.disabled = false;
    // The course works from the start; its terminals open once the lab is ready.
    course.dataset.ready = String(me.lab.state === "ready");
    time.textContent = timeLine(me.event);
    show(me.event.over ? "ended" : "seat");
  };

  const poll = async () => {
    clearTimeout(timer);
    try {
      render(await getJson("/api/workshop/me", MeSchema));
    } catch (err) {
      if (err instanceof AgentRequestError && err.status === 401) {
        // Not on this agent's roster (another event, or the seat was removed): join again.
        forgetSeat();
        show("form");
        sayProblem(`${err.error.message} Join again with the event's code.`);
        return;
      }
      if (err instanceof AgentRequestError && err.error.code === "event-ended") {
        labText.textContent = err.error.message;
        labText.dataset.labState = "ended";
        time.textContent = "The workshop is over.";
        restart.hidden = true;
        show("ended");
        return;
      }
      labText.textContent = `Could not read your lab: ${err instanceof Error ? err.message : String(err)}`;
    }
    timer = setTimeout(() => {
      if (document.visibilityState === "visible") void poll();
      else timer = setTimeout(() => void poll(), POLL_MS);
    }, POLL_MS);
  };

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    problem.hidden = true;
    const checked = checkForm(codeInput.value, nameInput.value);
    if ("field" in checked) return sayProblem(checked.message, checked.field);
    submit.disabled = true;
    void join(checked).finally(() => {
      submit.disabled = false;
    });
  });

  const join = async (body: { code: string; name: string }) => {
    let res: Response;
    try {
      // No credential at all: joining is what gives one (a stale one would only be refused).
      res = await fetch("/api/workshop/join", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
      });
    } catch {
      return sayProblem(
        "The workshop's agent did not answer. Check the address the lead gave, then try again.",
      );
    }
    const answer: unknown = await res.json().catch(() => undefined);
    if (res.ok) {
      const joined = JoinAnswer.safeParse(answer);
      if (!joined.success) return sayProblem("The agent's answer is not what this page expects: reload it.");
      keepSeat(joined.data);
      greet(joined.data.learner);
      show("seat");
      labText.textContent = "Your lab is starting…";
      return poll();
    }
    const err = ErrorBody.safeParse(answer);
    const error = err.success
      ? err.data.error
      : { code: `http-${res.status}`, message: `The agent answered ${res.status}.` };
    const text = `${error.message}${error.hint ? ` ${error.hint}` : ""}`;
    switch (error.code) {
      case "workshop-full":
        fullText.textContent = text;
        return show("full");
      case "unauthorized":
        return sayProblem(text, "code");
      case "usage":
        return sayProblem(text, /\bname\b/i.test(error.message) ? "name" : "code");
      case "conflict":
        return sayProblem(text, "name");
      default:
        // event-ended, too-many (throttled), not-found (no workshop runs): said as the agent says it.
        return sayProblem(text);
    }
  };

  restart.addEventListener("click", () => {
    restart.disabled = true;
    postJson("/api/workshop/lab", {}, LabAgain)
      .then(() => poll())
      .catch((err) => {
        restart.disabled = false;
        labText.textContent = err instanceof Error ? err.message : String(err);
      });
  });
  leave.addEventListener("click", () => {
    if (!confirm("Forget this seat on this browser? You would need the code to join again, as a new seat."))
      return;
    clearTimeout(timer);
    forgetSeat();
    show("form");
  });

  const kept = storedSeat();
  if (kept) {
    greet(kept.learner);
    show("seat");
    void poll();
  } else show("form");
}
