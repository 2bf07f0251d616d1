// GraphiQL, bundled: Monaco's workers and the fonts come from this server like everything else.
import "graphiql/setup-workers/vite";
import "graphiql/style.css";
import "./playground.css";
import { GraphiQL } from "graphiql";
import { createRoot } from "react-dom/client";
import { playgroundFetcher } from "./fetcher";
import { DEFAULT_HEADERS, PLAYGROUND_TABS } from "./tabs";

const fetcher = playgroundFetcher(new URL("/graphql", window.location.href).toString());

createRoot(document.getElementById("root")!).render(
  <GraphiQL
    fetcher={fetcher}
    defaultTabs={PLAYGROUND_TABS}
    defaultHeaders={DEFAULT_HEADERS}
    defaultEditorToolsVisibility="headers"
  >
    <GraphiQL.Logo>
      <a className="playground-home" href="/dashboard">
        Customer AI Analytics
      </a>
    </GraphiQL.Logo>
  </GraphiQL>,
);
