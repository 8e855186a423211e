// Files the operator names on the command line: read whole, or written readable by the owner only
// (backups and configuration files say more about a node than anyone else should read).
import { readFileSync, writeFileSync } from "node:fs";
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
