import * as z from "zod/mini";
import { LEARNER_KEY } from "./token-key.ts";

/**
 * A workshop learner's seat, as `POST /api/workshop/join` answered it and this page keeps it in
 * its origin's localStorage (LEARNER_KEY): the credential is sent only as `Authorization: Bearer`
 * to this origin's agent, never put in a URL or logged, and a reload keeps it.
 */
export const Seat = z.object({
  credential: z.string().check(z.regex(/^[A-Za-z0-9_-]{20,200}$/)),
  learner: z.object({ id: z.string(), name: z.string(), seat: z.number(), lab: z.string() }),
});
export type Seat = z.infer<typeof Seat>;

export function storedSeat(): Seat | undefined {
  try {
    const text = localStorage.getItem(LEARNER_KEY);
    if (!text) return undefined;
    const parsed = Seat.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function keepSeat(seat: Seat): void {
  localStorage.setItem(LEARNER_KEY, JSON.stringify({ credential: seat.credential, learner: seat.learner }));
}

export function forgetSeat(): void {
  try {
    localStorage.removeItem(LEARNER_KEY);
  } catch {}
}
