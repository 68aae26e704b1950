import type { CommandInput } from './command-io';

/** A password line longer than this (in characters) is refused rather than read on. */
export const MAX_PASSWORD_INPUT = 64 * 1024;

/** Why no password was read: cancelled at the prompt, nothing on stdin, a line too long. */
export class PasswordInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PasswordInputError';
  }
}

export interface ReadPasswordOptions {
  /** Where the prompt goes (stderr, so stdout stays for the result). */
  prompt: { write(text: string): unknown };
  /** On a terminal, ask twice and refuse a mismatch. */
  confirm?: boolean;
}

/**
 * A password from `input`: on a terminal, typed at a prompt without echo (raw mode; Backspace
 * edits, Ctrl-C or Ctrl-D cancels); otherwise the first line of the input, so
 * `printf '%s\n' "$PW" | services-core users add …` works. Never from the command line, where
 * `ps` and shell histories would show it.
 */
export async function readPassword(input: CommandInput | undefined, label: string, options: ReadPasswordOptions): Promise<string> {
  if (input === undefined) throw new PasswordInputError('no input to read the password from');
  try {
    if (input.isTTY && typeof input.setRawMode === 'function') {
      const first = await promptLine(input, `${label}: `, options.prompt);
      if (options.confirm) {
        const again = await promptLine(input, `${label} (again): `, options.prompt);
        if (again !== first) throw new PasswordInputError('the two passwords differ');
      }
      return first;
    }
    return await firstLine(input);
  } finally {
    // A paused pipe or terminal still holds the event loop: the command would wait for the writer
    // to close its end (`(echo pw; sleep 60) | services-core users add …` took the 60 s).
    (input as { unref?: () => unknown }).unref?.();
  }
}

/** One line typed on a terminal in raw mode, nothing echoed. */
function promptLine(input: CommandInput, prompt: string, output: { write(text: string): unknown }): Promise<string> {
  output.write(prompt);
  input.setEncoding('utf8');
  input.setRawMode!(true);
  input.resume();
  return new Promise<string>((resolve, reject) => {
    let typed = '';
    const finish = (err?: Error) => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.setRawMode!(false);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    const onEnd = () => finish(new PasswordInputError('cancelled'));
    const onData = (chunk: Buffer | string) => {
      for (const char of String(chunk)) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003' || char === '\u0004') return finish(new PasswordInputError('cancelled'));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else if (char >= ' ') typed += char;
        if (typed.length > MAX_PASSWORD_INPUT) return finish(new PasswordInputError(`the password is longer than ${MAX_PASSWORD_INPUT} characters`));
      }
    };
    input.on('data', onData);
    input.once('end', onEnd);
  });
}

/** The first line of a pipe or file (without its line break); an empty input is an error. */
function firstLine(input: CommandInput): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let text = '';
    const done = (err?: Error) => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', onError);
      input.pause();
      if (err) reject(err);
      else resolve(text.replace(/\r$/, ''));
    };
    const onData = (chunk: Buffer | string) => {
      text += String(chunk); // a string: the encoding is set below
      const newline = text.indexOf('\n');
      if (newline !== -1) {
        text = text.slice(0, newline);
        done();
      } else if (text.length > MAX_PASSWORD_INPUT) {
        done(new PasswordInputError(`the password line is longer than ${MAX_PASSWORD_INPUT} characters`));
      }
    };
    const onEnd = () => done(text === '' ? new PasswordInputError('no password on stdin (give it as the first line)') : undefined);
    const onError = (err: Error) => done(new PasswordInputError(`cannot read stdin: ${err.message}`));
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', onError);
    input.setEncoding('utf8');
    input.resume();
  });
}
