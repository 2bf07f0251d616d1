import net from "node:net";

interface Link {
  client: net.Socket;
  upstream: net.Socket;
  /** The start of what the client sent, in lower case. */
  sent: string;
  /** What is held back while the proxy stalls, per direction, in order. */
  held: Array<{ to: net.Socket; chunk: Buffer }>;
}

/**
 * A TCP proxy in front of a server, which can cut and refuse the connections whose client sent a given
 * text (any case, e.g. a Redis SUBSCRIBE), leaving the others alone, or stall: keep every connection
 * (and accept new ones) but deliver nothing either way, like a network that drops packets without
 * resetting anything (a half-open connection). What a stall held back is delivered when it ends, as
 * TCP's retransmissions would once the network heals.
 *
 * @example
 *   const proxy = await startTcpProxy("127.0.0.1", 6379);
 *   proxy.block("SUBSCRIBE");   // subscribed connections are cut, and cut again on every reconnect
 *   proxy.unblock();
 *   proxy.stall();              // every connection goes silent; proxy.stalledChunks counts what it held
 *   proxy.resume();
 *   await proxy.close();
 */
export async function startTcpProxy(host: string, port: number) {
  let blocked: string | undefined;
  let stalled = false;
  let stalledChunks = 0;
  const links = new Set<Link>();
  const forward = (link: Link, to: net.Socket, chunk: Buffer) => {
    if (!stalled) return void to.write(chunk);
    stalledChunks++;
    link.held.push({ to, chunk });
  };
  const cut = (link: Link) => {
    link.client.destroy();
    link.upstream.destroy();
    links.delete(link);
  };
  const server = net.createServer((client) => {
    const upstream = net.connect({ host, port });
    const link: Link = { client, upstream, sent: "", held: [] };
    links.add(link);
    client.on("data", (chunk) => {
      // Only the start of a connection's traffic matters (handshake and subscriptions).
      if (link.sent.length < 4_096) link.sent += chunk.toString("latin1").toLowerCase();
      if (blocked && link.sent.includes(blocked)) return cut(link);
      forward(link, upstream, chunk);
    });
    upstream.on("data", (chunk) => forward(link, client, chunk));
    for (const socket of [client, upstream]) {
      socket.on("error", () => cut(link));
      socket.on("close", () => cut(link));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${address.port}`,
    block(text: string) {
      blocked = text.toLowerCase();
      for (const link of links) if (link.sent.includes(blocked)) cut(link);
    },
    unblock() {
      blocked = undefined;
    },
    stall() {
      stalled = true;
    },
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
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
