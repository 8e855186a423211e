// Session consistency (protocol §17.7): every answer carries a version token of the key, and a
// request that shows one is served only by a node whose state covers it. A node behind fetches
// from the token's issuer (a repair of the namespace with it) for a moment, and past that
// refuses with `retry`: a session read is never older than what the client saw or wrote.
import { sha256Hex } from "../../protocol/encoding/hash.ts";
import { isReplica } from "../../protocol/blackboard/namespace.ts";
import { covers, decodeToken, encodeToken, SESSION_CONTEXT, SessionTokenError, tokenSigningBytes, type SessionClaims, type VersionVector } from "../../protocol/blackboard/session-token.ts";
import type { LedgerSigner, LedgerVerifier } from "../../protocol/ledger/signing.ts";
import type { Blackboard } from "./board.ts";
import { BlackboardError } from "./errors.ts";

export interface SessionOptions {
  board: Blackboard;
  signer: LedgerSigner;
  keys: LedgerVerifier;
  /** Fetches what `peer` holds of a namespace (replication's repair). */
  fetch: (namespace: string, peer: string) => Promise<unknown>;
  /** How long a request waits for its token to be reached before `retry`. */
  fetchWaitMs: number;
}

/** Who asks: the principal at this node, and the session secret the client carries between nodes. */
export interface SessionClient {
  principal: string;
  secret: string;
}

export class BlackboardSessions {
  constructor(private readonly o: SessionOptions) {}

  /** A token for what `client` has now seen of the key. */
  async issue(namespace: string, key: string, client: SessionClient, vector: VersionVector): Promise<string> {
    const claims: SessionClaims = { v: 1, namespace, key, principal: client.principal, issuer: this.o.board.self, client: await sha256Hex(client.secret), vector };
    const bytes = tokenSigningBytes(claims);
    const sig = this.o.signer.signEd25519 ? await this.o.signer.signEd25519(bytes, SESSION_CONTEXT) : await this.o.signer.sign(bytes, SESSION_CONTEXT);
    return encodeToken(claims, sig);
  }

  /** The version a presented token stands for, once checked as this client's token for this key. */
  async #claims(token: string, namespace: string, key: string, client: SessionClient): Promise<SessionClaims> {
    let decoded;
    try {
      decoded = decodeToken(token);
    } catch (err) {
      if (err instanceof SessionTokenError) throw new BlackboardError("bad_token", err.message);
      throw err;
    }
    const { claims, sig } = decoded;
    if (claims.namespace !== namespace || claims.key !== key) throw new BlackboardError("bad_token", "the token is for another key");
    // Principals are per node: the issuer checks its own; every node checks the session secret.
    if (claims.client !== (await sha256Hex(client.secret)) || (claims.issuer === this.o.board.self && claims.principal !== client.principal)) {
      throw new BlackboardError("bad_token", "the token was issued to another client");
    }
    const descriptor = await this.o.board.replicated(namespace);
    if (!isReplica(descriptor, claims.issuer)) throw new BlackboardError("bad_token", "the token's issuer does not replicate the namespace");
    const key_ = await this.o.keys.keyOf(claims.issuer);
    const bytes = tokenSigningBytes(claims);
    const valid = key_ ? await (key_.verifyEd25519 ? key_.verifyEd25519(bytes, sig, SESSION_CONTEXT) : key_.verify(bytes, sig, SESSION_CONTEXT)).catch(() => false) : false;
    if (!valid) throw new BlackboardError("bad_token", "the token's signature does not verify");
    return claims;
  }

  /**
   * Waits until this node covers the token's version (fetching from its issuer), or refuses with
   * `retry`. Without a token there is nothing to wait for.
   */
  async reach(namespace: string, key: string, client: SessionClient, token: string | undefined): Promise<void> {
    if (token === undefined) return;
    const claims = await this.#claims(token, namespace, key, client);
    if (covers(await this.o.board.store.vector(namespace, key), claims.vector)) return;
    if (claims.issuer !== this.o.board.self) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.o.fetchWaitMs)));
      // A fetch that fails or comes late only means `retry`: the client asks again, here or elsewhere.
      await Promise.race([this.o.fetch(namespace, claims.issuer).catch(() => undefined), deadline]).finally(() => clearTimeout(timer));
      if (covers(await this.o.board.store.vector(namespace, key), claims.vector)) return;
    }
    throw new BlackboardError("retry", "this node has not yet reached the version the session token names; ask again");
  }
}
