import { errorMessage } from "../common/errors.ts";
import { fetchWithTimeout } from "../common/fetch-with-timeout.ts";
import type { Endpoint } from "./lab-endpoints.ts";

const MANIFEST_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** The lab registry's v2 API, as the agent reads it. */
export class RegistryClient {
  constructor(private readonly endpoint: Endpoint) {}

  private url(path: string): string {
    return `http://${this.endpoint.host}:${this.endpoint.port}${path}`;
  }

  /** Whether /v2/ answers, with the reason when it does not. */
  async ping(): Promise<{ ok: boolean; error?: string }> {
    try {
      const res = await fetchWithTimeout(this.url("/v2/"), {}, 2_000);
      return res.ok ? { ok: true } : { ok: false, error: `HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, error: errorMessage(err) };
    }
  }

  async waitUntilReady(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = await this.ping();
    while (!last.ok && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      last = await this.ping();
    }
    if (!last.ok)
      throw new Error(`the lab registry did not answer within ${timeoutMs / 1000} s (${last.error})`);
  }

  /** The digest a tag points at, or undefined when the registry does not have it. */
  async manifestDigest(repository: string, reference: string): Promise<string | undefined> {
    const res = await fetchWithTimeout(
      this.url(`/v2/${repository}/manifests/${reference}`),
      {
        method: "HEAD",
        headers: { Accept: MANIFEST_TYPES },
      },
      5_000,
    );
    if (res.status === 404) return undefined;
    if (!res.ok)
      throw new Error(`the lab registry answered HTTP ${res.status} for ${repository}:${reference}`);
    return res.headers.get("docker-content-digest") ?? undefined;
  }

  /** An image's config (labels, user…) from its manifest's config blob; undefined when absent. */
  async imageConfig(
    repository: string,
    reference: string,
  ): Promise<{ config?: { Labels?: Record<string, string> } } | undefined> {
    const res = await fetchWithTimeout(
      this.url(`/v2/${repository}/manifests/${reference}`),
      {
        headers: { Accept: MANIFEST_TYPES },
      },
      5_000,
    );
    if (res.status === 404) return undefined;
    if (!res.ok)
      throw new Error(`the lab registry answered HTTP ${res.status} for ${repository}:${reference}`);
    const manifest = (await res.json()) as {
      config?: { digest: string };
      manifests?: Array<{ digest: string; platform?: { os?: string; architecture?: string } }>;
    };
    if (manifest.manifests) {
      // An index: take the linux/amd64 (or first) image manifest.
      const pick =
        manifest.manifests.find((m) => m.platform?.os === "linux" && m.platform.architecture !== "unknown") ??
        manifest.manifests[0];
      if (!pick) return undefined;
      return this.imageConfig(repository, pick.digest);
    }
    if (!manifest.config) return undefined;
    const blob = await fetchWithTimeout(
      this.url(`/v2/${repository}/blobs/${manifest.config.digest}`),
      {},
      5_000,
    );
    if (!blob.ok) return undefined;
    return (await blob.json()) as { config?: { Labels?: Record<string, string> } };
  }

  /** A repository's tags (an empty list when the repository does not exist). */
  async tags(repository: string): Promise<string[]> {
    const res = await fetchWithTimeout(this.url(`/v2/${repository}/tags/list?n=1000`), {}, 5_000);
    if (res.status === 404) return [];
    if (!res.ok)
      throw new Error(`the lab registry answered HTTP ${res.status} for the tags of ${repository}`);
    return ((await res.json()) as { tags?: string[] | null }).tags ?? [];
  }

  /** A manifest as JSON with its digest, or undefined when absent. */
  async manifest(
    repository: string,
    reference: string,
  ): Promise<{ digest: string; body: unknown } | undefined> {
    const res = await fetchWithTimeout(
      this.url(`/v2/${repository}/manifests/${reference}`),
      { headers: { Accept: MANIFEST_TYPES } },
      5_000,
    );
    if (res.status === 404) return undefined;
    if (!res.ok)
      throw new Error(`the lab registry answered HTTP ${res.status} for ${repository}:${reference}`);
    return { digest: res.headers.get("docker-content-digest") ?? "", body: await res.json() };
  }

  /** A blob's bytes as text, or undefined when absent. */
  async blobText(repository: string, digest: string): Promise<string | undefined> {
    const res = await fetchWithTimeout(this.url(`/v2/${repository}/blobs/${digest}`), {}, 10_000);
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`the lab registry answered HTTP ${res.status} for blob ${digest}`);
    return res.text();
  }
}
