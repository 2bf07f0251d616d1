import net from "node:net";

interface Link {
  client: net.Socket;
  upstream: net.Socket | undefined;
  /** The start of what the client sent, in lower case. */
  sent: string;
}

/**
 * A TCP proxy in front of a server, which can cut and refuse the connections whose client sent a given
 * text (any case, e.g. a Redis SUBSCRIBE), leaving the others alone, and simulate the two outages a
 * server has: hung (connections are accepted, nothing is forwarded either way) and down (connections
 * are refused).
 *
 * @example
 *   const proxy = await startTcpProxy("127.0.0.1", 6379);
 *   proxy.block("SUBSCRIBE");   // subscribed connections are cut, and cut again on every reconnect
 *   proxy.unblock();
 *   proxy.hang();               // every byte is swallowed, on open and on new connections
 *   await proxy.refuse();       // connections are cut and new ones refused (the port is closed)
 *   await proxy.restore();      // forwards again, on the same port
 *   await proxy.close();
 */
export async function startTcpProxy(host: string, port: number) {
  let blocked: string | undefined;
  let hung = false;
  const links = new Set<Link>();
  const cut = (link: Link) => {
    link.client.destroy();
    link.upstream?.destroy();
    links.delete(link);
  };
  const connectUpstream = (link: Link) => {
    const upstream = net.connect({ host, port });
    link.upstream = upstream;
    upstream.on("data", (chunk) => {
      if (!hung) link.client.write(chunk);
    });
    upstream.on("error", () => cut(link));
    upstream.on("close", () => cut(link));
  };
  const server = net.createServer((client) => {
    const link: Link = { client, upstream: undefined, sent: "" };
    links.add(link);
    // A hung server accepts the connection and never answers: not even its upstream is opened.
    if (!hung) connectUpstream(link);
    client.on("data", (chunk) => {
      if (hung) return;
      // Only the start of a connection's traffic matters (handshake and subscriptions).
      if (link.sent.length < 4_096) link.sent += chunk.toString("latin1").toLowerCase();
      if (blocked && link.sent.includes(blocked)) return cut(link);
      link.upstream?.write(chunk);
    });
    client.on("error", () => cut(link));
    client.on("close", () => cut(link));
  });
  const listen = (on: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(on, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });
  await listen(0);
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    url: `redis://127.0.0.1:${address.port}`,
    block(text: string) {
      blocked = text.toLowerCase();
      for (const link of links) if (link.sent.includes(blocked)) cut(link);
    },
    unblock() {
      blocked = undefined;
    },
    /** Forwards nothing from now on, on open connections and on the new ones it keeps accepting. */
    hang() {
      hung = true;
    },
    /** Cuts every connection and closes the port: connecting fails at once (ECONNREFUSED). */
    async refuse() {
      for (const link of links) cut(link);
      await stopListening();
    },
    /** Ends a hang or a refusal: the connections a hang held are cut, new ones are forwarded again. */
    async restore() {
      if (hung) for (const link of links) cut(link);
      hung = false;
      if (!server.listening) await listen(address.port);
    },
    async close() {
      for (const link of links) cut(link);
      await stopListening();
    },
  };
}
