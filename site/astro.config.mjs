import mdx from "@astrojs/mdx";
import starlight from "@astrojs/starlight";
import { defineConfig, passthroughImageService } from "astro/config";

// The lab exercises (exercises/<block>/exercise.yaml) are the `exercises` content collection
// (src/content.config.ts): a malformed one fails the build with its file, the path in it and the
// reason. DRYDOCK_EXERCISES_DIR points elsewhere (tests).

// The course is static HTML: served by the lab agent (same origin as its API and terminals)
// or hosted anywhere as plain docs. No image optimisation, so sharp is never needed.
export default defineConfig({
  telemetry: false,
  image: { service: passthroughImageService() },
  integrations: [
    starlight({
      title: "Drydock",
      description:
        "A hands-on container lab: from a laptop engine to a three-node Docker Swarm, on your own machine.",
      favicon: "/favicon.svg",
      customCss: ["./src/styles/drydock.css"],
      lastUpdated: false,
      pagination: true,
      components: {
        // Adds the lab dock (terminals + lab status) to pages whose frontmatter says `lab: true`.
        PageFrame: "./src/components/overrides/PageFrame.astro",
      },
      sidebar: [
        {
          label: "Start here",
          items: [
            { label: "Welcome", link: "/" },
            { label: "The mental model", slug: "mental-model" },
            { label: "Your lab", slug: "lab" },
            { label: "Your progress", slug: "progress" },
          ],
        },
        { label: "The 20 hours", autogenerate: { directory: "hours" } },
        {
          label: "Drills & reviews",
          items: [
            { label: "Failure drills", autogenerate: { directory: "drills" } },
            { label: "Release checklist", slug: "reviews/release-checklist" },
            { label: "ADR template", slug: "reviews/adr-template" },
            { label: "Maturity rubric", slug: "reviews/maturity-rubric" },
            { label: "Failure modes", slug: "reviews/failure-modes" },
            { label: "Mentor review", slug: "reviews/mentor" },
          ],
        },
        {
          label: "Workshop",
          items: [
            { label: "Join a workshop", slug: "workshop/join" },
            { label: "Lead's dashboard", slug: "workshop/lead" },
          ],
        },
      ],
    }),
    mdx(),
  ],
});
