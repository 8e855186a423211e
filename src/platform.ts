// What the isomorphic core must know about where it runs, decided once at load.

/** Cloudflare Workers: request-scoped I/O and signals, and waitUntil for work after a response. */
export const onWorkers = globalThis.navigator?.userAgent === "Cloudflare-Workers";
