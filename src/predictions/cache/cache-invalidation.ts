// Invalidation between replicas over Redis pub/sub: every write or delete of the shared cache is
// announced on one channel per namespace, so each replica's near cache drops what changed. Pub/sub
// delivers at most once, only while subscribed: the listener therefore reports when it is
// subscribed and when it is not (connecting, dropped), and the near cache is trusted only in between.
import { randomUUID } from "node:crypto";
import type { RedisClientType } from "@keyv/redis";
import type { Logger } from "../../logger";

/** What the listener hears: keys another process changed, or "all" when it cannot tell which. */
export interface InvalidationHandlers {
  invalidate(keys: readonly string[] | "all"): void;
  /** true once subscribed (again): from then on every invalidation arrives; false when they may not. */
  subscribed(subscribed: boolean): void;
}

/**
 * @example
 *   const channel = new InvalidationChannel(client, { namespace: "cai", log });
 *   channel.listen({ invalidate: (keys) => near.invalidate(keys), subscribed: (up) => up ? near.resume() : near.suspend() });
 *   await channel.publish(["c:1"]);          // every other process listening on "cai:invalidate" drops c:1
 *   await channel.close();
 */
export class InvalidationChannel {
  /** Tells this process's own messages apart: its near cache already applied the change. */
  readonly id = randomUUID();
  readonly channel: string;
  readonly #namespace: string;
  readonly #client: RedisClientType;
  readonly #log: Logger;
  readonly #closeWaitMs: number;
  #subscriber: RedisClientType | undefined;
  /** Between node-redis's "reconnecting" (or connect()) and the attempt's "ready" or "error". */
  #connecting = false;
  #closed = false;

  constructor(client: RedisClientType, options: { namespace: string; log: Logger; closeWaitMs?: number }) {
    this.#client = client;
    this.#namespace = options.namespace;
    this.channel = `${options.namespace}:invalidate`;
    this.#log = options.log;
    this.#closeWaitMs = options.closeWaitMs ?? 1_000;
  }

  /** Announces changed keys. Call it after the change is in Redis: a listener then reads the new value. */
  async publish(keys: readonly string[]): Promise<void> {
    if (!keys.length) return;
    await this.#client.publish(this.channel, JSON.stringify({ from: this.id, keys }));
  }

  /** Subscribes on a connection of its own (a subscribed connection runs no other command). */
  listen(handlers: InvalidationHandlers): void {
    if (this.#subscriber || this.#closed) return;
    // Named, so that CLIENT LIST shows what the connection is for.
    const subscriber = this.#client.duplicate({ name: `${this.#namespace}:near-cache` });
    this.#subscriber = subscriber;
    // A listener alone must not keep a process alive (nor a connection close() could not reach).
    subscriber.unref();
    let listening = false; // the listener is registered: node-redis resubscribes before every "ready"
    let up = false;
    let wasUp = false;
    const down = (reason: unknown) => {
      if (!up) return;
      up = false;
      handlers.subscribed(false);
      if (!this.#closed) {
        this.#log.warn({ err: reason }, "prediction near cache bypassed: its invalidation channel is down");
      }
    };
    const onMessage = (message: string) => {
      const keys = changedKeys(message, this.id);
      if (keys) handlers.invalidate(keys);
    };
    subscriber.on("error", (error) => {
      this.#connecting = false;
      down(error);
    });
    subscriber.on("reconnecting", () => {
      this.#connecting = true;
      down(new Error("reconnecting"));
    });
    subscriber.on("end", () => down(new Error("connection closed")));
    const subscribed = () => {
      up = true;
      handlers.subscribed(true);
      if (wasUp) this.#log.info("prediction near cache in use again: its invalidation channel is back");
      wasUp = true;
    };
    subscriber.on("ready", () => {
      this.#connecting = false;
      if (this.#closed) return;
      if (listening) return subscribed();
      subscriber.subscribe(this.channel, onMessage).then(
        () => {
          listening = true;
          if (!this.#closed && subscriber.isReady) subscribed();
        },
        (error) => {
          // Retried on the next "ready"; a refusal (e.g. an ACL without pub/sub) leaves it off for good.
          if (!this.#closed) this.#log.warn({ err: error }, "prediction near cache off: could not subscribe");
        },
      );
    });
    // Retries on its own (node-redis's reconnect strategy) until close(); each failure is an "error".
    this.#connecting = true;
    subscriber.connect().catch(() => {});
  }

  /** Closes the listener. Never waits longer than closeWaitMs, even for a dead Redis. */
  close(): Promise<void> {
    this.#closed = true;
    const subscriber = this.#subscriber;
    if (!subscriber?.isOpen) return Promise.resolve();
    return new Promise((resolve) => {
      const events = ["ready", "error", "reconnecting"] as const;
      const destroy = () => {
        clearTimeout(timer);
        for (const event of events) subscriber.off(event, destroy);
        if (subscriber.isOpen) subscriber.destroy();
        resolve();
      };
      // Destroyed during a connection attempt, node-redis finishes the attempt and leaves that
      // connection open: destroy between attempts instead, from the events that end or start one
      // (destroying in "reconnecting" stops the attempt about to start).
      const timer = setTimeout(destroy, this.#closeWaitMs);
      if (!this.#connecting) destroy();
      else for (const event of events) subscriber.on(event, destroy);
    });
  }
}

/** The keys a message names, "all" if it cannot be read, undefined if this process sent it. */
function changedKeys(message: string, id: string): readonly string[] | "all" | undefined {
  try {
    const { from, keys } = JSON.parse(message) as { from?: unknown; keys?: unknown };
    if (from === id) return undefined;
    if (Array.isArray(keys) && keys.every((key) => typeof key === "string")) return keys;
  } catch {
    // Not ours to understand: forget everything rather than risk a stale value.
  }
  return "all";
}
