import { incidentBundle } from "./bundle.ts";
import { incidentNote } from "./note.ts";
import { prometheusScrape } from "./prometheus-scrape.ts";
import { restartReason } from "./restart-reason.ts";

/**
 * Hour 19: the incident bundle of the live swarm, the restart reason, the incident note, and
 * Prometheus from the observability profile scraping the app.
 */
export const incidentChecks = [incidentBundle, restartReason, incidentNote, prometheusScrape] as const;
