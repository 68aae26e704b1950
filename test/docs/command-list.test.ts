import { readFileSync } from 'node:fs';
import path from 'node:path';
import { main, type CommandIO } from '../../src/cli/main';

test("docs/deploy.md's command list names every command of `services-core --help`", async () => {
  let help = '';
  const io: CommandIO = { stdout: { write: (t: string) => (help += t) }, stderr: { write: () => undefined } };
  expect(await main(['--help'], io)).toBe(0);
  const commands = [...help.matchAll(/^ {2}services-core ([a-z]+) /gm)].map((m) => m[1]).filter((name) => name !== 'help');
  expect(commands).toEqual(expect.arrayContaining(['config', 'migrate', 'serve', 'users']));
  const doc = readFileSync(path.join(__dirname, '../../docs/deploy.md'), 'utf8');
  const list = /## The command line\n\n```sh\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
  expect(commands.filter((name) => !new RegExp(`^services-core ${name} `, 'm').test(list))).toEqual([]);
});
