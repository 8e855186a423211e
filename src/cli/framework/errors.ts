// The CLI's failures: each carries its exit code and a message meant for a person.
export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    /** 1: the node or the request failed; 2: the command line was wrong. */
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export class UsageError extends CliError {
  override name = "UsageError";
  constructor(message: string) {
    super(message, 2);
  }
}
