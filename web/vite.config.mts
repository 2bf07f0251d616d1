// Builds the browser apps the API serves (src/web/): the GraphQL playground and the dashboard, into
// dist/web/. Every asset (scripts, styles, fonts, Monaco's workers) lands in dist/web/assets and is
// served by the API itself under /web/assets/: the pages never load anything from another host.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here("."),
  base: "/web/",
  // React's automatic JSX runtime through Vite's own transform: no React plugin needed for a build.
  oxc: { jsx: { runtime: "automatic", importSource: "react" } },
  // No public/ folder: nothing is copied that the apps do not import.
  publicDir: false,
  build: {
    outDir: here("../dist/web"),
    emptyOutDir: true,
    // Inline nothing as data: URLs so the Content-Security-Policy can stay 'self'.
    assetsInlineLimit: 0,
    // Monaco (GraphiQL's editor) is one large module; splitting it would not make the page faster.
    chunkSizeWarningLimit: 4_000,
    rolldownOptions: {
      // Libraries built for React Server Components mark modules "use client"; a browser bundle has
      // no server side for that to matter.
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
      input: {
        playground: here("playground/index.html"),
        dashboard: here("dashboard/index.html"),
      },
    },
  },
  worker: { format: "es" },
});
