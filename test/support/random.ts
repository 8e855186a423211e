// Seeded randomness for reproducible randomized tests and simulations: mulberry32 (Tommy Ettinger's
// 32-bit generator), small and good enough for choosing peers and shuffling.
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export function randomHex(random: () => number, bytes: number): string {
  let s = "";
  for (let i = 0; i < bytes; i++) s += Math.floor(random() * 256).toString(16).padStart(2, "0");
  return s;
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
