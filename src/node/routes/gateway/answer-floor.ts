// Uniform timing of the gateway's answers (docs/protocol.md §13.5). A refusal of a request the
// gateway read (an unknown key, a ciphertext that does not open, a replay, a bad call) is ready in
// microseconds, a served call after its upstream: timing alone would tell an observer, or the
// relay, which check failed. So every answer, refusal or success, leaves no sooner than
// GATEWAY_ANSWER_FLOOR_MS after its request arrived, through the one delay below.

export class AnswerFloor {
  constructor(
    readonly floorMs: number,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Starts a request's clock; the function returned waits out what is left of the floor. */
  start(): () => Promise<void> {
    const started = this.clock();
    return () => this.hold(Math.max(0, this.floorMs - (this.clock() - started)));
  }

  /** The one delay every answer of the gateway goes through. */
  hold(ms: number): Promise<void> {
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
  }
}
