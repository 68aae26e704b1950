/** Where a command reads and writes; `process` in the bin, buffers in tests. */
export interface CommandIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Where a password is read from (a terminal prompts without echo); absent: none can be read. */
  stdin?: CommandInput;
}

/** The part of `process.stdin` a command reads a line from. */
export type CommandInput = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(raw: boolean): unknown };

/** A subcommand: gets the arguments after its name, resolves to the exit code. */
export type Command = (args: string[], io: CommandIO) => Promise<number>;
