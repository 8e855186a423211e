// A clock a test can move forward, for a node process under test, loaded before its entry point
// (NODE_OPTIONS=--import=...; see test/support/clock.ts). Each SIGUSR2 moves the process's wall
// clock (Date.now(), new Date()) forward by MCPFED_TEST_CLOCK_STEP_SECONDS and then says so on
// stderr, so that a test can wait for it. Timers are untouched. Only tests load it: a node started
// without it keeps the real clock. Plain JavaScript, as it loads before any TypeScript loader.
const RealDate = Date;
const step = Number(process.env.MCPFED_TEST_CLOCK_STEP_SECONDS ?? 3600) * 1000;
let offset = 0;
const now = () => RealDate.now() + offset;

globalThis.Date = new Proxy(RealDate, {
  construct: (target, args, newTarget) => Reflect.construct(target, args.length === 0 ? [now()] : args, newTarget),
  apply: () => new RealDate(now()).toString(),
  get: (target, prop, receiver) => (prop === "now" ? now : Reflect.get(target, prop, receiver)),
});

process.on("SIGUSR2", () => {
  offset += step;
  process.stderr.write(`test clock: +${offset / 1000} s\n`);
});
