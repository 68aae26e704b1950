#!/usr/bin/env node
import { ConfigError } from '../config/errors';

import type { Command, CommandIO } from './command-io';

export type { Command, CommandIO } from './command-io';

// Each command is loaded on use, so `config` does not pay for what `serve` imports.
const commands: Record<string, { usage: string; load: () => Promise<Command> }> = {
  config: {
    usage: 'config <file>                 print the flattened config (secrets masked)',
    load: async () => (await import('./config-command')).configCommand,
  },
  serve: {
    usage: 'serve <deployment.ini> [--workers N] [--port P] [--host H]\n' +
      `${' '.repeat(46)}run the app of [app:main] in N worker processes`,
    load: async () => (await import('./serve')).serveCommand,
  },
};

function usage(): string {
  const lines = Object.values(commands).map((c) => `  services-core ${c.usage}`);
  return `usage:\n${lines.join('\n')}\n`;
}

/** Runs `services-core <command> ...args`; a ConfigError is printed without a stack. */
export async function main(argv: string[], io: CommandIO = process): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--help' || name === '-h') {
    io.stdout.write(usage());
    return 0;
  }
  if (name === undefined || !Object.hasOwn(commands, name)) {
    io.stderr.write(`${name === undefined ? 'services-core: no command given' : `services-core: unknown command '${name}'`}\n${usage()}`);
    return 2;
  }
  try {
    return await (await commands[name].load())(args, io);
  } catch (err) {
    io.stderr.write(`services-core ${name}: ${err instanceof ConfigError ? err.message : (err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
