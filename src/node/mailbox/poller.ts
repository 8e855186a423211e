// The side of a node that binds nothing reachable (docs/protocol.md §20.6): it peers with each of
// its MAILBOXES by an outbound hello, asks each for what it holds with a long poll, serves each
// message as the destination of a forwarded call, and hands the answer back. On Node this runs
// as a loop; elsewhere each tick polls once without waiting.
import { federationPath } from "../../protocol/messages/federation.ts";
import type { ForwardedRequest } from "../../protocol/routes/forward.ts";
import {
  MAX_POLL_ITEMS,
  MAX_POLL_WAIT_SECONDS,
  mailboxAnswerResult,
  mailboxPollResult,
  type MailboxAnswer,
  type MailboxAnswerRequest,
  type MailboxPollRequest,
} from "../../protocol/routes/mailbox.ts";
import { PeerRequestError } from "../federation-client/errors.ts";
import { log } from "../logging/log.ts";
import { introduce, PeeringError, type PeeringPort } from "../peers/hello.ts";
import type { Config } from "../settings/config.ts";
import { listPeers, type Peer } from "../../store/peers.ts";

/** Serves one message as the destination of a forwarded envelope `via` held for it. */
export type ServeForwarded = (via: string, message: ForwardedRequest, signal: AbortSignal) => Promise<MailboxAnswer>;

export interface PollerPort extends PeeringPort {
  config: PeeringPort["config"] & Pick<Config, "mailboxes">;
}

export interface PollReport {
  mailbox: string;
  items: number;
  error?: string;
}

/** After a round in which every mailbox failed, the loop waits this long before the next. */
const RETRY_MS = 5000;

export class MailboxPoller {
  constructor(
    private readonly s: PollerPort,
    private readonly serve: ServeForwarded,
  ) {}

  /** One poll of every mailbox, waiting up to `wait` seconds; `served` settles once every message taken is answered. */
  async pollOnce(wait: number, signal: AbortSignal): Promise<{ reports: PollReport[]; served: Promise<unknown> }> {
    const rounds = await Promise.all(this.s.config.mailboxes.map((url) => this.#poll(url, wait, signal)));
    return { reports: rounds.map((r) => r.report), served: Promise.all(rounds.map((r) => r.served)) };
  }

  /** Polls until `signal` aborts; messages are served while the next poll waits. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const { reports } = await this.pollOnce(MAX_POLL_WAIT_SECONDS, signal);
      if (reports.every((r) => r.error !== undefined) && !signal.aborted) await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }

  async #poll(url: string, wait: number, signal: AbortSignal): Promise<{ report: PollReport; served: Promise<unknown> }> {
    let peer: Peer;
    let items;
    try {
      peer = await this.#peer(url);
      const payload: MailboxPollRequest = { type: "mailbox-poll", wait, max: MAX_POLL_ITEMS };
      ({ items } = await this.s.federation.send({ card: peer.card, version: peer.version, path: federationPath(peer.version, "mailbox-poll"), payload, result: mailboxPollResult }));
    } catch (err) {
      if (!(err instanceof PeerRequestError) && !(err instanceof PeeringError)) throw err;
      log.info("mailbox.poll_failed", { mailbox: url, code: err.code, message: err.message });
      return { report: { mailbox: url, items: 0, error: `${err.message} (${err.code})` }, served: Promise.resolve() };
    }
    const served = Promise.all(items.map((item) => this.#answer(peer, item.id, item.message, signal))).catch((err: unknown) => log.error("mailbox.serve_failed", { mailbox: url, error: String(err) }));
    return { report: { mailbox: url, items: items.length }, served };
  }

  async #answer(peer: Peer, id: string, message: ForwardedRequest, signal: AbortSignal): Promise<void> {
    const answer = await this.serve(peer.nodeId, message, signal);
    const payload: MailboxAnswerRequest = { type: "mailbox-answer", id, answer };
    try {
      const { accepted } = await this.s.federation.send({ card: peer.card, version: peer.version, path: federationPath(peer.version, "mailbox-answer"), payload, result: mailboxAnswerResult });
      log.info("mailbox.answered", { mailbox: peer.nodeId, id, accepted });
    } catch (err) {
      if (!(err instanceof PeerRequestError)) throw err;
      log.info("mailbox.answer_failed", { mailbox: peer.nodeId, id, code: err.code });
    }
  }

  /** The mailbox at `url` as an active peer: met by a hello the first time. */
  async #peer(url: string): Promise<Peer> {
    const origin = new URL(url).origin;
    const known = (await listPeers(this.s.db)).find((p) => new URL(p.url).origin === origin);
    if (known?.state === "active") return known;
    if (known) throw new PeeringError("blocked", `the mailbox ${url} is ${known.state} here`);
    return introduce(this.s, url, url);
  }
}
