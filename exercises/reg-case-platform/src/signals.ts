/**
 * Resolves with the first SIGTERM or SIGINT. A second signal while shutting down exits at once,
 * so Ctrl-C twice always gets you your terminal back.
 */
export function shutdownSignal(): { received: Promise<NodeJS.Signals>; readonly stopping: boolean } {
  let stopping = false;
  const received = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(130);
      stopping = true;
      resolve(signal);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
  return {
    received,
    get stopping() {
      return stopping;
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
