// One local write at a time per key in this process: a writer's op carries its running totals
// and the dots it saw, read from the value before signing, so two writes that read the same
// value would sign the same totals and one would be lost.

export class KeyLocks {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = before.then(() => mine);
    this.#tails.set(key, tail);
    await before;
    try {
      return await work();
    } finally {
      release();
      // The map holds only keys with a write waiting or running.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
