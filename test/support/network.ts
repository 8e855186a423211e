// An in-process network of gossiping nodes, for tests and the simulator (scripts/sim). Every
// message crosses it as JSON and is parsed with the wire schemas on both sides, as it would be
// inside an envelope; it can lose requests, take nodes down and cut links, and counts bytes.
import {
  exchangeReply,
  exchangeRequest,
  reconcileReply,
  reconcileRequest,
  type ExchangeReply,
  type ExchangeRequest,
  type ReconcileReply,
  type ReconcileRequest,
} from "../../src/protocol/messages/gossip.ts";
import type { GossipHandlers, GossipTransport } from "../../src/node/gossip/transport.ts";
import { byteLength } from "../../src/protocol/registry/entry.ts";

export class Unreachable extends Error {
  override name = "Unreachable";
}

export interface Traffic {
  requests: number;
  bytes: number;
}

export class InMemoryNetwork {
  readonly #nodes = new Map<string, GossipHandlers>();
  readonly #cuts = new Set<string>();
  readonly down = new Set<string>();
  /** Share of requests lost before they arrive. */
  loss = 0;
  /** Sees every request that arrives, as parsed by the receiver. */
  onDeliver: ((kind: "exchange" | "reconcile", from: string, to: string, request: unknown) => void) | undefined;
  lost = 0;
  readonly traffic: Record<"exchange" | "reconcile", Traffic> = {
    exchange: { requests: 0, bytes: 0 },
    reconcile: { requests: 0, bytes: 0 },
  };

  constructor(private readonly random: () => number = Math.random) {}

  join(id: string, handlers: GossipHandlers): void {
    this.#nodes.set(id, handlers);
  }

  #link(a: string, b: string): string {
    return a < b ? `${a}|${b}` : `${b}|${a}`;
  }

  cut(a: string, b: string): void {
    this.#cuts.add(this.#link(a, b));
  }

  heal(a: string, b: string): void {
    this.#cuts.delete(this.#link(a, b));
  }

  resetTraffic(): void {
    for (const t of Object.values(this.traffic)) Object.assign(t, { requests: 0, bytes: 0 });
    this.lost = 0;
  }

  async #send<Q, R>(
    kind: "exchange" | "reconcile",
    from: string,
    to: string,
    request: Q,
    wire: { request: { parse(v: unknown): Q }; reply: { parse(v: unknown): R } },
    handle: (h: GossipHandlers, from: string, q: Q) => Promise<R>,
  ): Promise<R> {
    const target = this.#nodes.get(to);
    if (!target || this.down.has(to) || this.down.has(from) || this.#cuts.has(this.#link(from, to))) {
      throw new Unreachable(`${to} is unreachable from ${from}`);
    }
    if (this.loss > 0 && this.random() < this.loss) {
      this.lost++;
      throw new Unreachable(`request from ${from} to ${to} was lost`);
    }
    const q = JSON.stringify(request);
    const parsed = wire.request.parse(JSON.parse(q));
    this.onDeliver?.(kind, from, to, parsed);
    const reply = await handle(target, from, parsed);
    const r = JSON.stringify(reply);
    const t = this.traffic[kind];
    t.requests++;
    t.bytes += byteLength(q) + byteLength(r);
    return wire.reply.parse(JSON.parse(r));
  }

  transport(self: string): GossipTransport {
    return {
      exchange: (peer, request) =>
        this.#send<ExchangeRequest, ExchangeReply>("exchange", self, peer, request, { request: exchangeRequest, reply: exchangeReply }, (h, f, q) =>
          h.onExchange(f, q),
        ),
      reconcile: (peer, request) =>
        this.#send<ReconcileRequest, ReconcileReply>("reconcile", self, peer, request, { request: reconcileRequest, reply: reconcileReply }, (h, f, q) =>
          h.onReconcile(f, q),
        ),
    };
  }
}
