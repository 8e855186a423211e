// Files the operator names on the command line: read whole, or written readable by the owner only
// (backups and configuration files say more about a node than anyone else should read).
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { CliError } from "./errors.ts";

const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function readLocalFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${reason(err)}`);
  }
}

export function saveLocalFile(path: string, data: Uint8Array | string): void {
  try {
    writeFileSync(path, data, { mode: 0o600 });
  } catch (err) {
    throw new CliError(`cannot write ${path}: ${reason(err)}`);
  }
}

/** Writes a stream to a file as it arrives, readable by the owner only; calls `seen` with each piece. Returns the bytes written. */
export async function saveLocalStream(path: string, stream: ReadableStream<Uint8Array>, seen: (piece: Uint8Array) => void): Promise<number> {
  let written = 0;
  let file;
  try {
    file = await open(path, "w", 0o600);
  } catch (err) {
    await stream.cancel();
    throw new CliError(`cannot write ${path}: ${reason(err)}`);
  }
  try {
    for await (const piece of stream as unknown as AsyncIterable<Uint8Array>) {
      seen(piece);
      await file.write(piece);
      written += piece.length;
    }
  } catch (err) {
    throw new CliError(`cannot write ${path}: ${reason(err)}`);
  } finally {
    await file.close();
  }
  return written;
}

export function moveLocalFile(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    throw new CliError(`cannot move ${from} to ${to}: ${reason(err)}`);
  }
}
