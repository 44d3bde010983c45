/** Where the page keeps the agent's token (localStorage, per origin). Its own module: pages check it without loading the API client. */
export const TOKEN_KEY = "drydock.agent-token";

/**
 * Where a workshop learner's page keeps what joining gave them (localStorage, per origin, like the
 * token): `{credential, learner, event}` as workshop-seat.ts reads it. While it is there, the course
 * pages' panels send this credential instead of the token, so they act on the learner's own lab.
 */
export const LEARNER_KEY = "drydock.workshop-seat";

/** Whether this page has a credential for the agent at all (the token, or a learner's seat). */
export function hasAgentCredential(): boolean {
  try {
    return Boolean(localStorage.getItem(TOKEN_KEY) || localStorage.getItem(LEARNER_KEY));
  } catch {
    return false;
  }
}
