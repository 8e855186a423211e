// The benchmark's OTLP receiver (test/support/otlp-receiver.ts) in a process of its own, so that
// parsing exports costs the measured client nothing. It prints its URL; GET <url>/summary answers
// the spans it holds per service and the requests it could not parse.
import { createServer } from "node:http";
import { startOtlpReceiver } from "../../test/support/otlp-receiver.ts";

const receiver = await startOtlpReceiver();
const summary = createServer((_req, res) => {
  const services: Record<string, number> = {};
  for (const s of receiver.spans) services[s.service] = (services[s.service] ?? 0) + 1;
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ spans: receiver.spans.length, services, malformed: receiver.malformed }));
});
summary.listen(Number(process.env.PORT), "127.0.0.1", () => console.log(receiver.url));
