// A table's hash (§19.1) taken as its rows pass, in the file's order: the same bytes as
// tableDigestInput, without holding the rows. The writer takes it to fill the header, the reader
// to check it.
import { sha256 } from "@noble/hashes/sha2.js";
import { canonicalJson } from "../encoding/canonical-json.ts";
import { utf8 } from "../encoding/bytes.ts";

export class TableDigest {
  private readonly hash = sha256.create();
  private first = true;
  count = 0;
  /** The payload bytes of the rows so far: each line and its newline. */
  bytes = 0;
  constructor(name: string, columns: string[]) {
    this.hash.update(utf8(`{"columns":${canonicalJson(columns)},"name":${canonicalJson(name)},"rows":[`));
  }

  /** Adds one row's canonical JSON; rows must come sorted (§19.1). */
  add(line: string): void {
    const bytes = utf8(this.first ? line : `,${line}`);
    this.hash.update(bytes);
    // A comma before every row but the first: as many bytes as the newline after each line.
    this.bytes += bytes.length + (this.first ? 1 : 0);
    this.first = false;
    this.count++;
  }

  /** The hex SHA-256; the digest is spent. */
  hex(): string {
    this.hash.update(utf8("]}"));
    return Array.from(this.hash.digest(), (b) => b.toString(16).padStart(2, "0")).join("");
  }
}
