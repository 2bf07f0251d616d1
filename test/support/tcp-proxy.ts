import net from "node:net";

interface Link {
  client: net.Socket;
  upstream: net.Socket;
  /** The start of what the client sent, in lower case. */
  sent: string;
}

/**
 * A TCP proxy in front of a server, which can cut and refuse the connections whose client sent a given
 * text (any case, e.g. a Redis SUBSCRIBE), leaving the others alone.
 *
 * @example
 *   const proxy = await startTcpProxy("127.0.0.1", 6379);
 *   proxy.block("SUBSCRIBE");   // subscribed connections are cut, and cut again on every reconnect
 *   proxy.unblock();
 *   await proxy.close();
 */
export async function startTcpProxy(host: string, port: number) {
  let blocked: string | undefined;
  const links = new Set<Link>();
  const cut = (link: Link) => {
    link.client.destroy();
    link.upstream.destroy();
    links.delete(link);
  };
  const server = net.createServer((client) => {
    const upstream = net.connect({ host, port });
    const link: Link = { client, upstream, sent: "" };
    links.add(link);
    client.on("data", (chunk) => {
      // Only the start of a connection's traffic matters (handshake and subscriptions).
      if (link.sent.length < 4_096) link.sent += chunk.toString("latin1").toLowerCase();
      if (blocked && link.sent.includes(blocked)) return cut(link);
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => client.write(chunk));
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
    async close() {
      for (const link of links) cut(link);
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
