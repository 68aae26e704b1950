/** Where a command writes; `process` in the bin, buffers in tests. */
export interface CommandIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** A subcommand: gets the arguments after its name, resolves to the exit code. */
export type Command = (args: string[], io: CommandIO) => Promise<number>;
