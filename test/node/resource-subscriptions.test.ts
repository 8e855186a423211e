// The subscription registry's bookkeeping: one upstream subscription per URI whoever holds it,
// undone when the last holder goes, caps checked before anything is kept. The upstream side here
// is a recording function standing in for the pool; the e2e test (test/e2e/resource-subscriptions)
// runs the same path against server-everything, where the upstream's own side cannot be observed.
import { expect, it } from "vitest";
import { ResourceSubscriptions, SubscriptionCapError, type Subscriber } from "../../src/node/catalog/resource-subscriptions.ts";

function recordingUpstream() {
  const calls: string[] = [];
  const subscribe = (uri: string) => async () => {
    calls.push(`subscribe ${uri}`);
    return async () => void calls.push(`unsubscribe ${uri}`);
  };
  return { calls, subscribe };
}

function subscriber(id: string, principal: string, heard: string[]): Subscriber {
  return { id, principal, deliver: (uri) => void heard.push(`${id} ${uri}`) };
}

/** Lets the fire-and-forget upstream unsubscribe settle. */
const settled = () => new Promise((r) => setImmediate(r));

it("subscribes upstream once per URI and unsubscribes when its last holder goes", async () => {
  const subs = new ResourceSubscriptions({ perPrincipal: 10, total: 10 });
  const up = recordingUpstream();
  const heard: string[] = [];
  const a = subscriber("a", "p1", heard);
  const b = subscriber("b", "p2", heard);
  await subs.add(a, "x://1", "up", up.subscribe("x://1"));
  await subs.add(b, "x://1", "up", up.subscribe("x://1"));
  expect(up.calls).toEqual(["subscribe x://1"]);

  subs.updated("up", "x://1");
  subs.updated("other", "x://1"); // not the upstream it was subscribed on
  subs.updated("up", "x://2"); // not subscribed
  expect(heard).toEqual(["a x://1", "b x://1"]);

  subs.remove("a", "x://1");
  await settled();
  expect(up.calls).toEqual(["subscribe x://1"]);
  subs.drop("b");
  await settled();
  expect(up.calls).toEqual(["subscribe x://1", "unsubscribe x://1"]);
  expect(subs.size).toBe(0);
});

it("tells a shared delivery once", async () => {
  const subs = new ResourceSubscriptions({ perPrincipal: 10, total: 10 });
  const up = recordingUpstream();
  let told = 0;
  const deliver = () => void told++;
  await subs.add({ id: "l1", principal: "p", deliver }, "x://1", "up", up.subscribe("x://1"));
  await subs.add({ id: "l2", principal: "p", deliver }, "x://1", "up", up.subscribe("x://1"));
  subs.updated("up", "x://1");
  expect(told).toBe(1);
});

it("refuses over either cap, and keeps nothing when the upstream refuses", async () => {
  const subs = new ResourceSubscriptions({ perPrincipal: 2, total: 3 });
  const up = recordingUpstream();
  const heard: string[] = [];
  await subs.add(subscriber("a", "p1", heard), "x://1", "up", up.subscribe("x://1"));
  await subs.add(subscriber("a", "p1", heard), "x://2", "up", up.subscribe("x://2"));
  await expect(subs.add(subscriber("a", "p1", heard), "x://3", "up", up.subscribe("x://3"))).rejects.toEqual(new SubscriptionCapError("principal", 2));
  await subs.add(subscriber("b", "p2", heard), "x://3", "up", up.subscribe("x://3"));
  await expect(subs.add(subscriber("b", "p2", heard), "x://4", "up", up.subscribe("x://4"))).rejects.toMatchObject({ scope: "total", max: 3 });
  expect(up.calls).toEqual(["subscribe x://1", "subscribe x://2", "subscribe x://3"]);

  subs.drop("b");
  const refused = new Error("upstream says no");
  await expect(subs.add(subscriber("b", "p2", heard), "x://5", "up", () => Promise.reject(refused))).rejects.toBe(refused);
  expect(subs.size).toBe(2);
  expect(subs.holds("b", "x://5")).toBe(false);
  // A later try starts afresh rather than reusing the failed upstream subscription.
  await subs.add(subscriber("b", "p2", heard), "x://5", "up", up.subscribe("x://5"));
  expect(up.calls.at(-1)).toBe("subscribe x://5");
});

it("subscribes again when a session is reopened: only that session's, not one still under way", async () => {
  const subs = new ResourceSubscriptions({ perPrincipal: 10, total: 10 });
  const up = recordingUpstream();
  const heard: string[] = [];
  await subs.add(subscriber("a", "p1", heard), "x://1", "up", up.subscribe("x://1"));
  // p2's own session of a per-principal upstream holds its own subscription to the same URI.
  await subs.add(subscriber("b", "p2", heard), "x://1", "up", up.subscribe("x://1 on p2's session"), "p2");
  expect(up.calls).toEqual(["subscribe x://1", "subscribe x://1 on p2's session"]);
  subs.reopened("other");
  subs.reopened("up");
  await settled();
  expect(up.calls).toEqual(["subscribe x://1", "subscribe x://1 on p2's session", "subscribe x://1"]);
  subs.reopened("up", "p2");
  subs.reopened("up", "p2"); // the first is under way
  await settled();
  expect(up.calls.slice(3)).toEqual(["subscribe x://1 on p2's session"]);

  // An update on p2's session reaches only the subscribers held there, and the shared one only the others.
  subs.updated("up", "x://1", "p2");
  expect(heard).toEqual(["b x://1"]);
  subs.updated("up", "x://1");
  expect(heard).toEqual(["b x://1", "a x://1"]);
  subs.drop("b");
  await settled();
  expect(up.calls.at(-1)).toBe("unsubscribe x://1 on p2's session");
});
