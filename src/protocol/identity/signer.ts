// What signs as a node and what checks a node's signatures, as the registry and the ledger use
// them: both hold no keys. In production both are the composite signature (src/protocol/identity/composite.ts).

export interface EntrySigner {
  /** The node id entries are signed as: the `origin` of every entry this signer makes. */
  readonly nodeId: string;
  sign(message: Uint8Array, context: string): Promise<Uint8Array>;
}

export interface OriginKey {
  verify(message: Uint8Array, signature: Uint8Array, context: string): Promise<boolean>;
}
