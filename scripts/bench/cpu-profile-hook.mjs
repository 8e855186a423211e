// Preloaded into a benchmarked node process (node --import): SIGUSR2 starts the V8 CPU
// profiler, the next SIGUSR2 stops it and writes the profile to $BENCH_PROFILE_OUT. This keeps
// start-up and warm-up out of the profile, which `node --cpu-prof` cannot.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";

const out = process.env.BENCH_PROFILE_OUT;
if (out) {
  const session = new Session();
  session.connect();
  const post = (method, params = {}) =>
    new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  let running = false;
  process.on("SIGUSR2", () => {
    const step = running
      ? post("Profiler.stop").then(({ profile }) => writeFileSync(out, JSON.stringify(profile)))
      : post("Profiler.enable")
          .then(() => post("Profiler.setSamplingInterval", { interval: Number(process.env.BENCH_PROFILE_INTERVAL_US ?? 200) }))
          .then(() => post("Profiler.start"));
    running = !running;
    step.catch((err) => console.error("cpu profile hook:", err));
  });
}
