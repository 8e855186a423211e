// This node's card, signed on first request and re-signed when its encryption keys change or it
// has used up half its life, so that serving /.well-known/mcpfed rarely costs a signature.
import { toBase64url } from "../../protocol/encoding/bytes.ts";
import type { Config } from "../settings/config.ts";
import { COMPOSITE_ALG } from "../../protocol/identity/composite.ts";
import type { LocalIdentity } from "../identity/local.ts";
import { XWING_ALG } from "../../protocol/identity/xwing.ts";
import { PROTOCOL_VERSIONS } from "../../protocol/versions.ts";
import { chargesForwardFee, offeredFeatures } from "./offered-features.ts";
import type { Card } from "../../protocol/card/schema.ts";
import { signCard } from "../../protocol/card/sign.ts";

// Bounds the signatures an edge deployment without PUBLIC_URL makes for made-up Host headers.
const ORIGINS = 8;

export class OwnCard {
  private cached = new Map<string, { card: Card; kids: string; renewAt: number }>();

  constructor(
    private readonly identity: LocalIdentity,
    private readonly config: Config,
  ) {}

  /**
   * The card for the node at `origin` (PUBLIC_URL's, or on an edge deployment without it, the
   * origin a request reached). Valid for one encryption-key period: by its expiry, the oldest
   * key it lists is about to retire.
   */
  async get(origin: string, now: number): Promise<Card> {
    const keys = await this.identity.keyring.keys(now);
    const kids = keys.map((k) => k.keyId).join(",");
    const hit = this.cached.get(origin);
    if (hit && hit.kids === kids && now < hit.renewAt) return hit.card;

    const period = this.config.kemRotationSeconds;
    const card = await signCard(
      {
        id: this.identity.nodeId,
        name: this.config.nodeName,
        url: origin,
        mcp: `${origin}/mcp`,
        versions: [...PROTOCOL_VERSIONS],
        features: offeredFeatures(this.config),
        keys: {
          sig: { alg: COMPOSITE_ALG, kid: this.identity.signing.keyId, pub: toBase64url(this.identity.signing.signer.publicKey) },
          kem: keys.map((k) => ({ alg: XWING_ALG, kid: k.keyId, pub: toBase64url(k.publicKey) })),
        },
        ...(this.identity.rotations.length ? { rotations: this.identity.rotations } : {}),
        ...(this.config.nodeContact ? { contact: this.config.nodeContact } : {}),
        ...(this.config.mailboxes.length ? { mailboxes: this.config.mailboxes } : {}),
        ...(chargesForwardFee(this.config) ? { forwardFee: this.config.forwardFee } : {}),
        iat: now,
        exp: now + period,
      },
      this.identity.signing.signer,
    );
    if (!hit && this.cached.size >= ORIGINS) this.cached.delete(this.cached.keys().next().value!);
    this.cached.set(origin, { card, kids, renewAt: now + Math.floor(period / 2) });
    return card;
  }
}

/** The origin this node's card names: PUBLIC_URL's, or the one the request reached. */
export function ownOrigin(s: { config: Pick<Config, "publicUrl"> }, requestUrl: string): string {
  return s.config.publicUrl?.origin ?? new URL(requestUrl).origin;
}
