// A refusal with a code a peer acts on and the HTTP status a plain refusal carries (docs/protocol.md
// §9). Each area keeps its own table of codes and statuses; the shape of the refusal, its status
// lookup and its JSON body are this one class, so they cannot drift apart between areas.

/** An area's refusal codes, each with the HTTP status of its plain answer. */
export type RefusalTable = Readonly<Record<string, number>>;

/** The JSON body of every plain refusal: `{"error": {"code": …, "message": …}}`. */
export interface RefusalBody<Code extends string = string> {
  error: { code: Code; message: string };
}

export abstract class CodedRefusal<Table extends RefusalTable> extends Error {
  constructor(
    readonly code: keyof Table & string,
    message: string,
  ) {
    super(message);
  }

  /** The area's table; a getter on the prototype, so it is not copied into the error's own fields. */
  protected abstract get table(): Table;

  get status(): Table[keyof Table & string] {
    return this.table[this.code] as Table[keyof Table & string];
  }

  toJSON(): RefusalBody<keyof Table & string> {
    return { error: { code: this.code, message: this.message } };
  }
}
