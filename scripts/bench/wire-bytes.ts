// Bytes on the wire between two processes on loopback, from the kernel's own count per TCP
// socket (`ss -ti`: bytes_sent and bytes_received, HTTP headers included). Linux only. A socket
// that closes between two snapshots takes its count with it, so measure over keep-alive traffic.
import { execFileSync } from "node:child_process";

/** Sent and received bytes so far on `pid`'s established connections to port `port`, by socket. */
export function socketBytes(pid: number, port: number): Map<string, { sent: number; received: number }> {
  const out = execFileSync("ss", ["-tinpH", "state", "established", `( dport = :${port} )`], { encoding: "utf8" });
  const sockets = new Map<string, { sent: number; received: number }>();
  const lines = out.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.includes(`pid=${pid},`)) continue;
    const local = line.trim().split(/\s+/)[2]!;
    const info = lines[i + 1] ?? "";
    const num = (key: string) => Number(new RegExp(`\\b${key}:(\\d+)`).exec(info)?.[1] ?? 0);
    sockets.set(local, { sent: num("bytes_sent"), received: num("bytes_received") });
  }
  return sockets;
}

/** Bytes `pid` sent to and received from `port` (or any of several) while `run` ran. */
export async function bytesDuring(pid: number, port: number | number[], run: () => Promise<unknown>): Promise<{ sent: number; received: number }> {
  const ports = [port].flat();
  const snapshot = () => new Map(ports.flatMap((p) => [...socketBytes(pid, p)].map(([k, v]) => [`${p} ${k}`, v] as const)));
  const before = snapshot();
  await run();
  const after = snapshot();
  let sent = 0;
  let received = 0;
  for (const [k, v] of after) {
    const b = before.get(k) ?? { sent: 0, received: 0 };
    sent += v.sent - b.sent;
    received += v.received - b.received;
  }
  return { sent, received };
}
