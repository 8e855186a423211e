// Outbound URL guard: upstream and peer URLs may not reach private, loopback or
// link-local addresses unless the operator allows it. Names are checked as written; a runtime
// without DNS access (Workers) cannot see what a public name resolves to, and Workers' own
// egress cannot reach private ranges anyway.

import { onWorkers } from "../platform.ts";

export class UnsafeUrlError extends Error {
  override name = "UnsafeUrlError";
}

function ipv4(host: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : undefined;
}

function privateIpv4([a, b]: number[]): boolean {
  return (
    a === 0 || a === 10 || a === 127 ||
    (a === 100 && b! >= 64 && b! <= 127) || // carrier-grade NAT
    (a === 169 && b === 254) ||
    (a === 172 && b! >= 16 && b! <= 31) ||
    (a === 192 && b === 168) ||
    a! >= 224 // multicast and reserved
  );
}

function privateIpv6(host: string): boolean {
  const h = host.toLowerCase();
  if (h === "::" || h === "::1") return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (mapped) return privateIpv4(ipv4(mapped[1]!)!);
  // The URL parser writes mapped IPv4 in hex: ::ffff:7f00:1.
  if (h.startsWith("::ffff:")) return true;
  return /^f[cd]/.test(h) || /^fe[89ab]/.test(h) || h.startsWith("ff");
}

/** The reason a URL is not allowed, or undefined if it is. */
export function unsafeUrlReason(raw: string, allowPrivate: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "not a valid URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "only http and https URLs are allowed";
  if (url.username || url.password) return "credentials in the URL are not allowed; use headers";
  if (allowPrivate) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const v4 = ipv4(host);
  if (v4 ? privateIpv4(v4) : host.includes(":") ? privateIpv6(host) : false) {
    return "private, loopback and link-local addresses are not allowed (set ALLOW_PRIVATE_URLS=true to allow)";
  }
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".internal") || host.endsWith(".local")) {
    return "local host names are not allowed (set ALLOW_PRIVATE_URLS=true to allow)";
  }
  return undefined;
}

export function assertSafeUrl(raw: string, allowPrivate: boolean): void {
  const reason = unsafeUrlReason(raw, allowPrivate);
  if (reason) throw new UnsafeUrlError(reason);
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * The fetch of upstream sessions: it refuses redirects, so a vetted URL cannot bounce to an
 * unvetted one, and it gives each request a signal of its own. The SDK passes one session-wide
 * signal to every request; Node's fetch leaves a listener on it per request until collected, which
 * grows without bound on a long-lived session. On Workers a signal is bound to the request that
 * made it while a session outlives that request, so there it is dropped: closing a session then
 * aborts nothing, and the platform cancels a request's leftover fetches anyway.
 */
export const fetchNoRedirect: typeof fetch = async (input, init) => {
  const signal = onWorkers || !init?.signal ? undefined : AbortSignal.any([init.signal]);
  // "manual", not "error": Workers reject redirect: "error".
  const res = await fetch(input, { ...init, redirect: "manual", signal });
  if (res.type === "opaqueredirect" || REDIRECTS.has(res.status)) {
    void res.body?.cancel();
    throw new UnsafeUrlError(`the upstream answered with a redirect (${res.status}), which is not followed`);
  }
  return res;
};
