// What one 2025-11-25 session's SSE streams sent, kept so that a client that lost a stream can
// resume it with Last-Event-ID (the SDK transport primes each stream with an event id and a retry
// field once it has a store). Bounded: a session keeps a few streams, each a few events, within a
// byte budget; the oldest go first. A stream that lost an event can no longer be resumed, so a
// client is told so (the SDK answers 400) rather than handed a replay with a hole in it.
// Owned by the session's transport alone: it dies with the session.
import type { EventStore, JSONRPCMessage } from "@modelcontextprotocol/server";

export interface SessionEventLimits {
  streams: number;
  eventsPerStream: number;
  bytes: number;
}

interface StoredEvent {
  seq: number;
  message: JSONRPCMessage;
  bytes: number;
}

interface Stream {
  key: number;
  id: string;
  events: StoredEvent[];
  /** The highest sequence number dropped from this stream; events up to it cannot be replayed. */
  lostUpTo: number;
}

/** Event ids are `<stream key>.<sequence>`, both counters local to the session. */
function parseEventId(eventId: string): { key: number; seq: number } | undefined {
  const m = /^(\d{1,9})\.(\d{1,15})$/.exec(eventId);
  return m ? { key: Number(m[1]), seq: Number(m[2]) } : undefined;
}

export class SessionEventStore implements EventStore {
  readonly #streams = new Map<string, Stream>();
  readonly #byKey = new Map<number, Stream>();
  #nextKey = 0;
  #nextSeq = 0;
  #bytes = 0;

  constructor(private readonly limits: SessionEventLimits) {}

  get bytes(): number {
    return this.#bytes;
  }

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const stream = this.#stream(streamId);
    const seq = ++this.#nextSeq;
    const bytes = JSON.stringify(message).length;
    if (bytes > this.limits.bytes) {
      // Too large to keep: the event goes out live but its stream cannot be resumed past it.
      stream.lostUpTo = seq;
    } else {
      stream.events.push({ seq, message, bytes });
      this.#bytes += bytes;
      if (stream.events.length > this.limits.eventsPerStream) this.#dropOldest(stream);
      this.#withinBudget();
    }
    return `${stream.key}.${seq}`;
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return this.#resumable(eventId)?.id;
  }

  async replayEventsAfter(lastEventId: string, { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> }): Promise<string> {
    const stream = this.#resumable(lastEventId);
    // The transport asks getStreamIdForEventId first, so this is a race with eviction at worst.
    if (!stream) throw new Error("the stream cannot be resumed from this event");
    const after = parseEventId(lastEventId)!.seq;
    for (const e of [...stream.events]) if (e.seq > after) await send(`${stream.key}.${e.seq}`, e.message);
    return stream.id;
  }

  /** The stream an event id names, if every event after it is still kept. */
  #resumable(eventId: string): Stream | undefined {
    const parsed = parseEventId(eventId);
    if (!parsed) return undefined;
    const stream = this.#byKey.get(parsed.key);
    if (!stream || parsed.seq > this.#nextSeq || parsed.seq < stream.lostUpTo) return undefined;
    return stream;
  }

  #stream(streamId: string): Stream {
    const known = this.#streams.get(streamId);
    if (known) return known;
    const stream: Stream = { key: ++this.#nextKey, id: streamId, events: [], lostUpTo: 0 };
    this.#streams.set(streamId, stream);
    this.#byKey.set(stream.key, stream);
    if (this.#streams.size > this.limits.streams) {
      const [, oldest] = this.#streams.entries().next().value!;
      this.#forget(oldest);
    }
    return stream;
  }

  #dropOldest(stream: Stream): void {
    const dropped = stream.events.shift();
    if (!dropped) return;
    this.#bytes -= dropped.bytes;
    stream.lostUpTo = dropped.seq;
  }

  /** Drops the session's oldest events, whichever stream holds them, until the budget holds. */
  #withinBudget(): void {
    while (this.#bytes > this.limits.bytes) {
      let oldest: Stream | undefined;
      for (const s of this.#streams.values()) if (s.events.length > 0 && (!oldest || s.events[0]!.seq < oldest.events[0]!.seq)) oldest = s;
      if (!oldest) return;
      this.#dropOldest(oldest);
    }
  }

  #forget(stream: Stream): void {
    for (const e of stream.events) this.#bytes -= e.bytes;
    this.#streams.delete(stream.id);
    this.#byKey.delete(stream.key);
  }
}
