import { defineConfig } from "astro/config";

// The course pages arrive with the course-site work; this keeps the workspace building.
export default defineConfig({ telemetry: false });
