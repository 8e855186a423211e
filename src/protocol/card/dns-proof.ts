// The DNS proof of a domain (protocol §7.1.2): a TXT record at `_mcpfed.<host>` naming the node id.
// Whoever can write a zone's records controls the domain, so the record proves the domain's owner
// chose this node, even where the host's web server is not the node's.
import { NODE_ID } from "../identity/keys.ts";

/** The label the record lives under, so it never collides with a host's other TXT records. */
export const DNS_PROOF_LABEL = "_mcpfed";
/** The record's version tag: the first field of every record this protocol reads. */
export const DNS_PROOF_VERSION = "v=mcpfed1";
/** A record longer than this is not ours (one proof is about 50 characters). */
export const DNS_PROOF_MAX_CHARS = 255;

/** A DNS name: labels of letters, digits and hyphens (not at either end), at most 253 characters. */
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * The name whose TXT records prove `host` (a URL's hostname, without port), or null where DNS
 * cannot prove anything: an IP literal, or a name DNS cannot hold.
 */
export function dnsProofName(host: string): string | null {
  const name = host.toLowerCase().replace(/\.$/, "");
  if (!DNS_NAME.test(name) || /^[0-9.]+$/.test(name)) return null;
  const full = `${DNS_PROOF_LABEL}.${name}`;
  return full.length <= 253 ? full : null;
}

/** The record an operator publishes for `nodeId`. */
export function dnsProofRecord(nodeId: string): string {
  return `${DNS_PROOF_VERSION}; id=${nodeId}`;
}

export type DnsProofRecord =
  /** A proof naming this node id. */
  | { kind: "proof"; id: string }
  /** Another TXT record at the name (it does not start with the version tag): ignored. */
  | { kind: "other" }
  /** Starts with the version tag but cannot be read: ignored, and reported to the operator. */
  | { kind: "malformed"; reason: string };

/**
 * Reads one TXT record, given as its character-strings (joined without separator, as RFC 7208 does
 * for SPF). Fields are `key=value`, separated by `;` and optional spaces; the first is the version
 * tag, `id` is required once, other keys are ignored so later versions of the record can add some.
 */
export function parseDnsProofRecord(strings: readonly string[]): DnsProofRecord {
  const text = strings.join("");
  const fields = text.split(";").map((f) => f.trim());
  if (fields[0] !== DNS_PROOF_VERSION) return { kind: "other" };
  if (text.length > DNS_PROOF_MAX_CHARS) return { kind: "malformed", reason: `longer than ${DNS_PROOF_MAX_CHARS} characters` };
  const ids: string[] = [];
  for (const field of fields.slice(1)) {
    if (field === "") continue; // a trailing ";"
    const eq = field.indexOf("=");
    if (eq <= 0) return { kind: "malformed", reason: `field "${field}" is not key=value` };
    if (field.slice(0, eq) === "id") ids.push(field.slice(eq + 1));
  }
  if (ids.length !== 1) return { kind: "malformed", reason: ids.length === 0 ? "no id field" : "more than one id field" };
  const id = ids[0]!;
  if (!NODE_ID.test(id)) return { kind: "malformed", reason: "the id is not a node id (32 base32 characters)" };
  return { kind: "proof", id };
}

export type DnsProofVerdict = { proven: true } | { proven: false; reason: string };

/**
 * Whether the TXT records found at the proof name prove `nodeId`: one proof naming it is enough
 * (a domain may name several nodes, one record each); others' records are ignored.
 */
export function dnsProofVerdict(records: readonly (readonly string[])[], nodeId: string): DnsProofVerdict {
  const read = records.map(parseDnsProofRecord);
  if (read.some((r) => r.kind === "proof" && r.id === nodeId)) return { proven: true };
  const others = read.filter((r): r is Extract<DnsProofRecord, { kind: "proof" }> => r.kind === "proof").map((r) => r.id);
  if (others.length > 0) return { proven: false, reason: `the record names another node (${others.join(", ")})` };
  const malformed = read.find((r): r is Extract<DnsProofRecord, { kind: "malformed" }> => r.kind === "malformed");
  if (malformed) return { proven: false, reason: `the record is malformed: ${malformed.reason}` };
  return { proven: false, reason: "no mcpfed record" };
}
