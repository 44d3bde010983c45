/** Where the page keeps the agent's token (localStorage, per origin). Its own module: pages check it without loading the API client. */
export const TOKEN_KEY = "drydock.agent-token";
