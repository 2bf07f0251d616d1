import net from "node:net";

interface Link {
  client: net.Socket;
  upstream: net.Socket | undefined;
  /** The start of what the client sent, in lower case. */
  sent: string;
  /** What is held back while the proxy stalls, per direction, in order. */
  held: Array<{ to: net.Socket; chunk: Buffer }>;
}

/**
 * A TCP proxy in front of a server, which can cut and refuse the connections whose client sent a given
 * text (any case, e.g. a Redis SUBSCRIBE), leaving the others alone, and simulate what goes wrong
 * with a server or the network to it:
 * - hung: connections are accepted, nothing is forwarded either way (a server that never answers);
 * - down: connections are refused;
 * - stalled: every connection is kept (and new ones accepted) but nothing is delivered either way,
 *   like a network that drops packets without resetting anything (a half-open connection). What a
 *   stall held back is delivered when it ends, as TCP's retransmissions would once the network heals.
 *
 * @example
 *   const proxy = await startTcpProxy("127.0.0.1", 6379);
 *   proxy.block("SUBSCRIBE");   // subscribed connections are cut, and cut again on every reconnect
 *   proxy.unblock();
 *   proxy.hang();               // every byte is swallowed, on open and on new connections
 *   await proxy.refuse();       // connections are cut and new ones refused (the port is closed)
 *   await proxy.restore();      // forwards again, on the same port
 *   proxy.stall();              // every connection goes silent; proxy.stalledChunks counts what it held
 *   proxy.resume();
 *   await proxy.close();
 */
export async function startTcpProxy(host: string, port: number) {
  let blocked: string | undefined;
  let hung = false;
  let stalled = false;
  let stalledChunks = 0;
  const links = new Set<Link>();
  const forward = (link: Link, to: net.Socket, chunk: Buffer) => {
    if (hung) return;
    if (!stalled) return void to.write(chunk);
    stalledChunks++;
    link.held.push({ to, chunk });
  };
  const cut = (link: Link) => {
    link.client.destroy();
    link.upstream?.destroy();
    links.delete(link);
  };
  const connectUpstream = (link: Link) => {
    const upstream = net.connect({ host, port });
    link.upstream = upstream;
    upstream.on("data", (chunk) => forward(link, link.client, chunk));
    upstream.on("error", () => cut(link));
    upstream.on("close", () => cut(link));
  };
  const server = net.createServer((client) => {
    const link: Link = { client, upstream: undefined, sent: "", held: [] };
    links.add(link);
    // A hung server accepts the connection and never answers: not even its upstream is opened.
    if (!hung) connectUpstream(link);
    client.on("data", (chunk) => {
      if (hung) return;
      // Only the start of a connection's traffic matters (handshake and subscriptions).
      if (link.sent.length < 4_096) link.sent += chunk.toString("latin1").toLowerCase();
      if (blocked && link.sent.includes(blocked)) return cut(link);
      if (link.upstream) forward(link, link.upstream, chunk);
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
    /** Holds back every chunk, either way, until resume(). */
    stall() {
      stalled = true;
    },
    /** Ends a stall: what it held is delivered, in order. */
    resume() {
      stalled = false;
      for (const link of links) {
        for (const { to, chunk } of link.held.splice(0)) to.write(chunk);
      }
    },
    /** Chunks of data (either way) that arrived while the proxy stalled. */
    get stalledChunks() {
      return stalledChunks;
    },
    async close() {
      for (const link of links) cut(link);
      await stopListening();
    },
  };
}
