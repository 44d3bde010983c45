/**
 * fetch with a deadline whose timer keeps the process alive. `AbortSignal.timeout()`
 * uses an unref'd timer: while undici waits on a half-open connection (seen with
 * docker-proxy as a container starts) nothing else holds the event loop, and Node
 * exits with code 13 ("unsettled top-level await") instead of timing out.
 */
export async function fetchWithTimeout(url: string, init: RequestInit, ms: number): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${ms / 1000} s`)), ms);
  try {
    return await fetch(url, { ...init, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}
