// The dashboard's frame: a header with the pages and the API key, and the routes (under /dashboard).
import { useEffect } from "react";
import { Link, Route, Router, Switch, useLocation } from "wouter";
import { KeyStatus } from "./key-form";
import { CustomerPage } from "./pages/customer";
import { DuePage } from "./pages/due";
import { HealthPage } from "./pages/health";
import { StartPage } from "./pages/start";

const TITLES: Array<[RegExp, string]> = [
  [/^\/customers\//, "Customer"],
  [/^\/due/, "Due soon"],
  [/^\/health/, "Model health"],
];

function NavLink({ href, children }: { href: string; children: string }) {
  const [location] = useLocation();
  const current = href === "/" ? location === "/" : location.startsWith(href);
  return (
    <Link href={href} aria-current={current ? "page" : undefined}>
      {children}
    </Link>
  );
}

function Pages() {
  const [location] = useLocation();
  useEffect(() => {
    const title = TITLES.find(([pattern]) => pattern.test(location))?.[1] ?? "Customers";
    document.title = `${title} · Customer AI Analytics`;
    // A new page: move focus to its heading so screen readers announce it.
    document.querySelector<HTMLElement>("main h1")?.focus();
  }, [location]);
  return (
    <Switch>
      <Route path="/">
        <StartPage />
      </Route>
      <Route path="/customers/:id">{(params) => <CustomerPage key={params.id} id={params.id} />}</Route>
      <Route path="/due">
        <DuePage />
      </Route>
      <Route path="/health">
        <HealthPage />
      </Route>
      <Route>
        <h1>Not found</h1>
        <p>
          No such page in the dashboard. <Link href="/">Search for a customer</Link>.
        </p>
      </Route>
    </Switch>
  );
}

export function App() {
  return (
    <Router base="/dashboard">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Customer AI Analytics</span>
        <nav aria-label="Dashboard">
          <NavLink href="/">Customers</NavLink>
          <NavLink href="/due">Due soon</NavLink>
          <NavLink href="/health">Model health</NavLink>
          <a href="/graphql">Playground</a>
        </nav>
        <KeyStatus />
      </header>
      <main id="main">
        <Pages />
      </main>
    </Router>
  );
}
