import { diagramPresent } from "./diagram.ts";
import { inspectPractice } from "./inspect-practice.ts";
import { quizTaken } from "./quiz.ts";

/** Hours 1-2: inspect practised on real objects (the nodes' shell histories), the diagram present, the quiz. */
export const modelChecks = [inspectPractice, diagramPresent, quizTaken] as const;
