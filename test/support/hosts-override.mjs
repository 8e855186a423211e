// A hosts-file-style override of name resolution for a node process under test, loaded before
// its entry point (node --import, deno --preload). MCPFED_TEST_HOSTS="name=address,..." makes
// each name resolve to its address; other names under .test do not resolve, so no query for
// them ever leaves the machine. Plain JavaScript, as it loads before any TypeScript loader.
import dns from "node:dns";

const env = globalThis.process?.env ?? {};
const table = new Map(
  (env.MCPFED_TEST_HOSTS ?? "")
    .split(",")
    .filter(Boolean)
    .map((entry) => entry.split("=")),
);

/** The addresses of an overridden name, an ENOTFOUND error, or undefined to resolve as usual. */
function override(hostname) {
  const name = hostname.toLowerCase().replace(/\.$/, "");
  const address = table.get(name);
  if (address) return [{ address, family: address.includes(":") ? 6 : 4 }];
  if (name.endsWith(".test")) return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND", hostname });
  return undefined;
}

const lookup = dns.lookup;
dns.lookup = function (hostname, options, callback) {
  if (typeof options === "function") [callback, options] = [options, {}];
  if (typeof options === "number") options = { family: options };
  const found = override(hostname);
  if (found === undefined) return lookup.call(dns, hostname, options, callback);
  queueMicrotask(() => {
    if (found instanceof Error) callback(found);
    else if (options?.all) callback(null, found);
    else callback(null, found[0].address, found[0].family);
  });
};

const lookupPromise = dns.promises.lookup;
dns.promises.lookup = async function (hostname, options = {}) {
  const found = override(hostname);
  if (found === undefined) return lookupPromise.call(dns.promises, hostname, options);
  if (found instanceof Error) throw found;
  return options.all ? found : found[0];
};
