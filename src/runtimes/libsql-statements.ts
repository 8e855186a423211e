// Prepared statements kept per connection of the embedded libSQL driver. @libsql/client prepares
// every statement it executes afresh, so SQLite parses and plans the same text on every call (a
// quarter of the binding's time on a relayed call, docs/benchmarks.md), and it asks each one for
// raw rows, which the binding refuses with a new Error (and its stack) when the statement returns
// none. The driver sets a statement's modes (raw rows, safe integers) before each use and reads
// its rows whole, synchronously, binding every parameter each time, so for that driver a kept
// statement serves the next execution of the same text as a fresh one would (another caller that
// bound fewer parameters or set pluck mode would see the last use's); SQLite prepares it again by
// itself if the schema changed.
import { createRequire } from "node:module";

interface Statement {
  raw(on?: boolean): Statement;
}
interface Connection {
  prepare(sql: string): Statement;
}

/** Statements kept per connection, the least recently used dropped first. */
export const KEPT_STATEMENTS = 256;

const INSTALLED = Symbol.for("mcpfed.keptStatements");

/** Once per process: every embedded libSQL connection keeps its statements. */
export function keepPreparedStatements(): void {
  // The binding @libsql/client itself loads, resolved from where it is installed.
  const Database = createRequire(import.meta.resolve("@libsql/client"))("libsql") as { prototype: Connection & { [INSTALLED]?: true } };
  const proto = Database.prototype;
  if (proto[INSTALLED]) return;
  proto[INSTALLED] = true;
  const prepare = proto.prepare;
  const kept = new WeakMap<Connection, Map<string, Statement>>();
  proto.prepare = function (this: Connection, sql: string): Statement {
    let statements = kept.get(this);
    if (!statements) kept.set(this, (statements = new Map()));
    const found = statements.get(sql);
    if (found) {
      // Most recently used last.
      statements.delete(sql);
      statements.set(sql, found);
      return found;
    }
    const statement = prepare.call(this, sql);
    remembersRawRefusal(statement);
    statements.set(sql, statement);
    if (statements.size > KEPT_STATEMENTS) statements.delete(statements.keys().next().value!);
    return statement;
  };
}

/** A statement that returns no rows refuses raw mode every time: the first refusal is thrown again. */
function remembersRawRefusal(statement: Statement): void {
  const raw = statement.raw;
  let refusal: unknown;
  statement.raw = function (this: Statement, on?: boolean) {
    if (refusal !== undefined) throw refusal;
    try {
      return raw.call(this, on);
    } catch (err) {
      refusal = err;
      throw err;
    }
  };
}
