import * as z from "zod/mini";
import { BLOCK_IDS, type BlockId } from "./course-outline.ts";

/**
 * The blocks' short quizzes, as data: questions and their options, never the answers. The keys
 * are the agent's alone (`../quiz/quiz-keys.ts`): the page gets these questions from
 * GET /api/quiz/<block>, the agent grades POST /api/quiz/<block> and stores each attempt in
 * progress.db, and the check `model.quiz` judges the latest attempt. zod/mini, like the other
 * wire schemas here: the site parses the agent's answers with them.
 */

const Id = z.string().check(z.regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "a kebab-case id"));
const OptionId = z.string().check(z.regex(/^[a-f]$/, "a single letter a-f"));

export const QuizOption = z.object({ id: OptionId, text: z.string().check(z.minLength(1)) });
export type QuizOption = z.infer<typeof QuizOption>;

export const QuizQuestion = z.object({
  id: Id,
  prompt: z.string().check(z.minLength(10)),
  options: z.array(QuizOption).check(z.minLength(2), z.maxLength(6)),
});
export type QuizQuestion = z.infer<typeof QuizQuestion>;

export const Quiz = z.object({
  block: z.enum(BLOCK_IDS),
  title: z.string().check(z.minLength(3)),
  /** Passed when every question is answered right: eight questions, no partial credit. */
  questions: z.array(QuizQuestion).check(z.minLength(1), z.maxLength(20)),
});
export type Quiz = z.infer<typeof Quiz>;

/** GET /api/quiz/<block>: the questions (no keys) and the latest attempt's verdict, if any. */
export const QuizVerdict = z.object({
  at: z.string(),
  passed: z.boolean(),
  correct: z.number(),
  total: z.number(),
  /** Ids of the questions answered wrong (or not at all); never the right options. */
  wrong: z.array(z.string()),
});
export type QuizVerdict = z.infer<typeof QuizVerdict>;

export const QuizView = z.object({
  block: z.string(),
  title: z.string(),
  questions: z.array(QuizQuestion),
  latest: z.nullable(QuizVerdict),
});
export type QuizView = z.infer<typeof QuizView>;

const q = (id: string, prompt: string, ...options: string[]): QuizQuestion => ({
  id,
  prompt,
  options: options.map((text, i) => ({ id: "abcdef"[i] as string, text })),
});

const MENTAL_MODEL: Quiz = {
  block: "h01-02",
  title: "Image, container, service, task: the boundaries",
  questions: [
    q(
      "image-vs-container",
      "What separates an image from a container?",
      "A container is an image compressed for pushing to a registry.",
      "An image is a read-only artifact named by its digest; a container is a process started from it, with a writable layer of its own.",
      "Nothing: an image becomes a container once it has a tag.",
      "An image is a container that was stopped.",
    ),
    q(
      "service-vs-task",
      "In a Swarm, how do a service and its tasks relate?",
      "A service is a group of nodes, and a task is one node's job queue.",
      "A task is a container started by hand on a worker, which the service then adopts.",
      "The service is desired state (image, replicas, update policy); each task is one scheduled slot of it, run by one container on one node.",
      "They are two names for the same object.",
    ),
    q(
      "task-replaced",
      "A task's container exits and the Swarm replaces it. What changed?",
      "A new task, with a new container, now fills that slot; the service's spec is the same as before.",
      "The service was updated to a new version.",
      "The same container was restarted in place, writable layer and all.",
      "The image was rebuilt from its Dockerfile.",
    ),
    q(
      "digest-identity",
      "Which reference always means exactly the same bytes?",
      "registry:5000/reg-case-platform:latest",
      "registry:5000/reg-case-platform:1.4.2",
      "The container's name, e.g. case-api",
      "registry:5000/reg-case-platform@sha256:<digest>",
    ),
    q(
      "volume-outlives-container",
      "You remove a container that wrote into a named volume. What happens to the data?",
      "It is deleted together with the container.",
      "It stays in the volume until the volume itself is removed: state lives outside the container.",
      "It is saved into the image the container came from.",
      "It moves into another container's writable layer.",
    ),
    q(
      "where-the-fix-goes",
      "A running container has a wrong setting. Where does the lasting fix go?",
      "`docker exec` into it and edit the file.",
      "`docker commit` the fixed container and push it as latest.",
      "Restart the container: it re-reads its settings.",
      "Into source state (Dockerfile, compose or stack file, config), then build, push and deploy again.",
    ),
    q(
      "runtime-state",
      "Which of these is runtime state, not source or artifact state?",
      "The Dockerfile in Git",
      "The tasks of a service and their health",
      "The image's digest and its SBOM",
      "The stack file",
    ),
    q(
      "compose-vs-stack",
      "How does a Compose project differ from a stack deployed to a Swarm?",
      "Compose runs an application on one engine; a stack is desired state that the managers keep converging across the swarm's nodes.",
      "A Compose file can never be deployed as a stack.",
      "Compose starts the application's containers on every node of the swarm.",
      "Only the name differs.",
    ),
  ],
};

/** Every block's quiz, by block (checked against the schema when loaded). */
export const QUIZZES: ReadonlyMap<BlockId, Quiz> = new Map(
  [MENTAL_MODEL].map((quiz) => [quiz.block, Quiz.parse(quiz)] as const),
);
