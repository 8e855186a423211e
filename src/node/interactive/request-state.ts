// The requestState this node hands a 2026-07-28 client in an input_required result. The client
// echoes it on the retry, so it is attacker-controlled: it is MACed under a key derived from
// NODE_SEED, bound to the request (method, a hash of its params, the principal) and expires.
// It is not encrypted: it names a call held here, or carries a 2026-07-28 upstream's own state
// and the upstream's name, which the upstream would give any direct client and tools/list shows.
import { z } from "zod";
import { deriveBytes } from "../../protocol/identity/seed.ts";
import { canonicalJson } from "../../protocol/encoding/canonical-json.ts";
import { sha256Hex } from "../../protocol/encoding/hash.ts";
import { fromBase64url, toBase64url, utf8 } from "../../protocol/encoding/bytes.ts";

const LABEL = "mcpfed/mcp/request-state";
const VERSION = "s1";

/** Why a state was refused; the reason is for the log, the client gets one message. */
export type RequestStateFailure = "malformed" | "mac" | "expired" | "bind";

export class RequestStateError extends Error {
  override name = "RequestStateError";
  constructor(readonly reason: RequestStateFailure) {
    super(`invalid requestState (${reason})`);
  }
}

/** The request a state is bound to. */
export interface BoundRequest {
  method: string;
  params: Record<string, unknown> | undefined;
  principal: string;
}

/** A call held in this process (an old-era upstream's): which one, which round of it. */
export interface HeldClaims {
  call: string;
  round: number;
}

/** A 2026-07-28 upstream's input_required passed through: the upstream, and its own state if it gave one. */
export interface PassedClaims {
  upstream: string;
  upstreamState?: string | undefined;
}

export type StateClaims = HeldClaims | PassedClaims;

/** The longest upstream state this node carries inside its own (the relay carries at most 16 KiB in all). */
export const MAX_UPSTREAM_STATE = 8 * 1024;
/** A state this node issued is at most this long; anything longer is refused unread. */
const MAX_STATE = 16 * 1024;

const bound = { bind: z.string().length(64), exp: z.number().int() };
const payloadSchema = z.union([
  z.strictObject({ call: z.string().min(1).max(64), round: z.number().int().min(0), ...bound }),
  z.strictObject({ upstream: z.string().min(1).max(256), upstreamState: z.string().min(1).max(MAX_UPSTREAM_STATE).optional(), ...bound }),
]);

/** The params a retry may change (the answers, the state, the envelope) are left out of the hash. */
function requestShape(params: Record<string, unknown> | undefined): Record<string, unknown> {
  const { inputResponses: _r, requestState: _s, _meta: _m, ...rest } = params ?? {};
  return rest;
}

async function binding(req: BoundRequest): Promise<string> {
  return sha256Hex(canonicalJson({ method: req.method, params: requestShape(req.params), principal: req.principal }));
}

export class RequestStateSeal {
  #key?: Promise<CryptoKey>;

  constructor(
    private readonly seed: Uint8Array,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get ttl(): number {
    return this.ttlMs;
  }

  #hmac(): Promise<CryptoKey> {
    return (this.#key ??= deriveBytes(this.seed, LABEL).then((bytes) =>
      crypto.subtle.importKey("raw", bytes as BufferSource, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]),
    ));
  }

  async seal(claims: StateClaims, req: BoundRequest): Promise<string> {
    const payload = { ...claims, bind: await binding(req), exp: this.now() + this.ttlMs };
    const body = `${VERSION}.${toBase64url(utf8(canonicalJson(payload)))}`;
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await this.#hmac(), utf8(body)));
    return `${body}.${toBase64url(mac)}`;
  }

  /** The claims of a state this node sealed for this very request, or a RequestStateError. */
  async open(state: unknown, req: BoundRequest): Promise<StateClaims> {
    if (typeof state !== "string" || state.length > MAX_STATE) throw new RequestStateError("malformed");
    const parts = state.split(".");
    if (parts.length !== 3 || parts[0] !== VERSION) throw new RequestStateError("malformed");
    let mac: Uint8Array<ArrayBuffer>;
    let json: unknown;
    try {
      mac = fromBase64url(parts[2]!);
      json = JSON.parse(new TextDecoder().decode(fromBase64url(parts[1]!)));
    } catch {
      throw new RequestStateError("malformed");
    }
    // The MAC first: nothing in a forged state is looked at.
    const valid = await crypto.subtle.verify("HMAC", await this.#hmac(), mac, utf8(`${parts[0]}.${parts[1]}`));
    if (!valid) throw new RequestStateError("mac");
    const payload = payloadSchema.safeParse(json);
    if (!payload.success) throw new RequestStateError("malformed");
    if (payload.data.exp <= this.now()) throw new RequestStateError("expired");
    if (payload.data.bind !== (await binding(req))) throw new RequestStateError("bind");
    const { bind: _b, exp: _e, ...claims } = payload.data;
    return claims;
  }
}
