import { readFileSync } from 'node:fs';
import path from 'node:path';

/** What `--help` says about a subcommand. */
export interface CommandHelp {
  /** One line: the arguments after `services-core`. */
  usage: string;
  /** A sentence on what it does. */
  summary: string;
}

const EXIT_CODES = 'exit codes: 0 success, 1 runtime error (bad config, app failed to start, crash loop), 2 usage error\n';

/** `services-core --help`: every command, the global options, the exit codes. */
export function mainHelp(commands: Record<string, CommandHelp>): string {
  const lines = Object.values(commands).map((c) => `  services-core ${c.usage}\n      ${c.summary}`);
  return `usage:\n${lines.join('\n')}\n  services-core help [command] | <command> --help\n      describe one command\n` +
    '  services-core --version\n      print the version\n\n' +
    EXIT_CODES;
}

/** `services-core <command> --help` and `services-core help <command>`. */
export function commandHelp(command: CommandHelp): string {
  return `usage: services-core ${command.usage}\n\n${command.summary}\n${EXIT_CODES}`;
}

/** The `version` of the package.json next to src/ or dist/. */
export function packageVersion(): string {
  const file = path.join(__dirname, '..', '..', 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

export function isHelpFlag(arg: string): boolean {
  return arg === '--help' || arg === '-h';
}
