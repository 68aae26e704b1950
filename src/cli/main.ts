#!/usr/bin/env node
import { ConfigError } from '../config/errors';
import { type CommandHelp, commandHelp, isHelpFlag, mainHelp, packageVersion } from './help';

import type { Command, CommandIO } from './command-io';

export type { Command, CommandIO } from './command-io';

// Each command is loaded on use, so `config` does not pay for what `serve` imports.
const commands: Record<string, CommandHelp & { load: () => Promise<Command> }> = {
  config: {
    usage: 'config <file>',
    summary: 'print the flattened config (secrets masked), or the error with file and line',
    load: async () => (await import('./config-command')).configCommand,
  },
  migrate: {
    usage: 'migrate <deployment.ini>',
    summary: "run the app's pending TypeORM migrations on its data section's database, once, under a lock; print what ran",
    load: async () => (await import('./migrate-command')).migrateCommand,
  },
  openapi: {
    usage: 'openapi <deployment.ini>',
    summary: "print the app's OpenAPI 3.1 document (JSON), built from its routes, validate schemas and auth schemes",
    load: async () => (await import('./openapi-command')).openApiCommand,
  },
  serve: {
    usage: 'serve <deployment.ini> [--workers N] [--port P] [--host H] [--pid-file F]',
    summary: 'run the app of [app:main] in N worker processes (SIGTERM drains, SIGHUP reloads config and code, SIGUSR1 reopens logs)',
    load: async () => (await import('./serve')).serveCommand,
  },
  users: {
    usage: 'users add|passwd|disable|enable|delete <deployment.ini> <name> [--email ADDRESS]',
    summary: 'add a user, set its password (prompted without echo, or the first line of stdin), disable, enable or delete it in the auth backend',
    load: async () => (await import('./users-command')).usersCommand,
  },
};

/** Runs `services-core <command> ...args`; a ConfigError is printed without a stack. */
export async function main(argv: string[], io: CommandIO = process): Promise<number> {
  const [name, ...args] = argv;
  if (name !== undefined && isHelpFlag(name)) {
    io.stdout.write(mainHelp(commands));
    return 0;
  }
  if (name === '--version') {
    io.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (name === 'help') {
    const topic = args[0];
    if (topic === undefined) io.stdout.write(mainHelp(commands));
    else if (Object.hasOwn(commands, topic)) io.stdout.write(commandHelp(commands[topic]));
    else {
      io.stderr.write(`services-core: unknown command '${topic}'\n${mainHelp(commands)}`);
      return 2;
    }
    return 0;
  }
  if (name === undefined || !Object.hasOwn(commands, name)) {
    io.stderr.write(`${name === undefined ? 'services-core: no command given' : `services-core: unknown command '${name}'`}\n${mainHelp(commands)}`);
    return 2;
  }
  if (args.some(isHelpFlag)) {
    io.stdout.write(commandHelp(commands[name]));
    return 0;
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
