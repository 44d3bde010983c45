import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evidenceText } from "../../check-result.ts";
import {
  apiUrl,
  evaluatePrometheusScrape,
  flagValue,
  type PromScrapeFacts,
  prometheusScrape,
} from "./prometheus-scrape.ts";

/** Recorded on a real lab by fixtures/prometheus-scrape/record.ts, one per models/<variant>.sh. */
const facts = (variant: string): PromScrapeFacts =>
  JSON.parse(
    readFileSync(join(import.meta.dirname, "fixtures", "prometheus-scrape", `${variant}.json`), "utf8"),
  ) as PromScrapeFacts;
const P = prometheusScrape.params.parse({});

/** [model (fixtures/prometheus-scrape/models/<name>.sh), status, summary, evidence]. */
const VARIANTS: Array<[string, "pass" | "fail" | "error", RegExp, RegExp]> = [
  // right
  [
    "reference",
    "pass",
    /job case-api\) scrapes http:\/\/api:8080\/metrics: up, last scraped \d+ s before/,
    /case-api: http:\/\/api:8080\/metrics up every 5s/,
  ],
  [
    "dns-sd",
    "pass",
    /job app\) scrapes http:\/\/172\.[\d.]+:8080\/metrics: up/,
    /app: http:\/\/172\.[\d.]+:8080/,
  ],
  ["container-name", "pass", /job reg-case\) scrapes http:\/\/reg-case-api-1:8080\/metrics: up/, /every 1m/],
  [
    "own-flags",
    "pass",
    /\(reg-case-prom-1, job metrics\) scrapes http:\/\/api:8080\/metrics: up/,
    /"metrics: http:\/\/api:8080\/metrics up every 15s","metrics: http:\/\/worker:8080\/metrics unknown/,
  ],
  // wrong
  [
    "wrong-port",
    "fail",
    /scrapes api on port 9090, where nothing answers \(.*refused.*\): the app serves \/metrics on 8080/,
    /http:\/\/api:9090\/metrics down/,
  ],
  [
    "wrong-path",
    "fail",
    /scrapes http:\/\/api:8080\/metric, which the app answers with 404 Not Found: its metrics are at \/metrics/,
    /api:8080\/metric down/,
  ],
  [
    "health-path",
    "fail",
    /scrapes http:\/\/api:8080\/health, which is not metrics \(expected equal, got ":".*: its metrics are at \/metrics/,
    /api:8080\/health down/,
  ],
  [
    "app-stopped",
    "fail",
    /target http:\/\/api:8080\/metrics is down: api is not running \(reg-case-api-1 \(service api\): exited/,
    /"reg-case-api-1 \(service api\): exited/,
  ],
  [
    "not-started",
    "fail",
    /Prometheus is not running: no container was started from compose\.observability\.yml/,
    /containers started with compose\.observability\.yml=\[\]/,
  ],
  [
    "no-file",
    "fail",
    /reg-case-platform\/compose\.observability\.yml: no such file/,
    /\(file\)="no such file"/,
  ],
  [
    "not-mounted",
    "fail",
    /no target for api: it scrapes http:\/\/localhost:9090\/metrics \(the image's own prometheus\.yml: mount yours at \/etc\/prometheus\/prometheus\.yml\)/,
    /"from":"the image \(no mount\)"/,
  ],
  [
    "docker-run",
    "fail",
    /A Prometheus container runs \(prom-manual\) but was not started from compose\.observability\.yml/,
    /config_files="\(not started by Compose\)"/,
  ],
  [
    "bad-yaml",
    "fail",
    /Prometheus \(reg-case-prometheus-1\) is exited \(exit code 2\): parsing YAML file \/etc\/prometheus\/prometheus\.yml: yaml: line 4/,
    /"State":"exited"/,
  ],
  [
    "localhost",
    "fail",
    /scrapes http:\/\/localhost:8080\/metrics: inside its container, localhost is Prometheus itself/,
    /localhost:8080\/metrics down/,
  ],
  // the lab cannot tell yet
  [
    "not-scraped-yet",
    "error",
    /^Can't tell yet, because Prometheus started 1 s ago and has not scraped its targets yet/,
    /activeTargets=\[\]/,
  ],
];

describe("incident.prometheus-scrape on recorded labs", () => {
  it.each(VARIANTS)("%s → %s", (variant, status, summary, evidence) => {
    const out = evaluatePrometheusScrape(facts(variant), P);
    expect(out.status, out.summary).toBe(status);
    expect(out.summary).toMatch(summary);
    expect(evidenceText(out)).toMatch(evidence);
  });

  it("has at least 4 right and 4 wrong variants", () => {
    expect(VARIANTS.filter((v) => v[1] === "pass").length).toBeGreaterThanOrEqual(4);
    expect(VARIANTS.filter((v) => v[1] === "fail").length).toBeGreaterThanOrEqual(4);
  });

  it("judges the api, not another target: the worker up alone is no target for api", () => {
    const f = facts("own-flags");
    const active = f.targets?.active ?? [];
    const worker = active
      .filter((t) => t.scrapeUrl.includes("worker"))
      .map((t) => ({ ...t, health: "up", lastScrape: f.targets?.at ?? "" }));
    expect(worker.length).toBeGreaterThan(0);
    const out = evaluatePrometheusScrape(
      { ...f, targets: { ...(f.targets as object), active: worker } as never },
      P,
    );
    expect(out.status).toBe("fail");
    expect(out.summary).toMatch(/no target for api: it scrapes http:\/\/worker:8080\/metrics/);
  });

  it("can't tell yet while the api's target is listed but not scraped (health unknown, a 1m interval)", () => {
    const f = facts("reference");
    const active = (f.targets?.active ?? []).map((t) =>
      t.scrapePool === "case-api" ? { ...t, health: "unknown", lastError: "", scrapeInterval: "1m" } : t,
    );
    const out = evaluatePrometheusScrape({ ...f, targets: { ...(f.targets as object), active } as never }, P);
    expect(out.status).toBe("error");
    expect(out.summary).toMatch(
      /^Can't tell yet, because Prometheus has not scraped http:\/\/api:8080\/metrics yet \(health unknown, every 1m\)/,
    );
  });

  it("can't tell when Prometheus's API did not answer", () => {
    const f = facts("reference");
    const out = evaluatePrometheusScrape(
      {
        ...f,
        targets: {
          ...(f.targets as object),
          active: undefined,
          error: "wget exit 1: Connection refused",
        } as never,
      },
      P,
    );
    expect(out.status).toBe("error");
    expect(out.summary).toMatch(/^Can't tell, because Prometheus's API did not answer \(wget exit 1/);
  });
});

describe("where Prometheus's API is", () => {
  it("was read where own-flags put it: its --web.listen-address and --web.external-url's path", () => {
    expect(facts("own-flags").targets?.url).toBe("http://127.0.0.1:9091/prom/api/v1/targets?state=active");
    expect(facts("own-flags").targets?.via).toBe("exec");
  });

  it.each([
    [
      ["/bin/prometheus", "--config.file=/etc/prometheus/prometheus.yml"],
      "http://127.0.0.1:9090/api/v1/targets?state=active",
    ],
    [
      ["/bin/prometheus", "--web.listen-address=0.0.0.0:9091"],
      "http://127.0.0.1:9091/api/v1/targets?state=active",
    ],
    [
      ["prometheus", "--web.listen-address", ":9100", "--web.route-prefix=/p/"],
      "http://127.0.0.1:9100/p/api/v1/targets?state=active",
    ],
    [
      ["/bin/prometheus", "--web.external-url=http://localhost:9091/prom/"],
      "http://127.0.0.1:9090/prom/api/v1/targets?state=active",
    ],
    [
      ["/bin/prometheus", "--web.external-url=/prom", "--web.route-prefix=/"],
      "http://127.0.0.1:9090/api/v1/targets?state=active",
    ],
  ])("%j → %s", (argv, url) => {
    expect(apiUrl(argv)).toBe(url);
  });

  it("reads --flag=value, --flag value and -flag value", () => {
    expect(flagValue(["--config.file=/a.yml"], "--config.file")).toBe("/a.yml");
    expect(flagValue(["--config.file", "/b.yml"], "--config.file")).toBe("/b.yml");
    expect(flagValue(["-config.file", "/c.yml"], "--config.file")).toBe("/c.yml");
    expect(flagValue(["--storage.tsdb.path=/p"], "--config.file")).toBeUndefined();
  });
});
