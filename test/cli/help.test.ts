import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { runCli as run } from '../support/run-cli';

const ROOT = resolve(__dirname, '../..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const EXIT_CODES = 'exit codes: 0 success, 1 runtime error (bad config, app failed to start, crash loop), 2 usage error';

describe('services-core help and version', () => {
  test.each([['--help'], ['-h'], ['help']])('`%s` lists every command and the exit codes on stdout, exit 0', async (flag) => {
    const { code, stdout, stderr } = await run(flag);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('services-core config <file>\n');
    expect(stdout).toContain('services-core serve <deployment.ini> [--workers N] [--port P] [--host H] [--pid-file F]\n');
    expect(stdout).toContain('services-core --version\n');
    expect(stdout).toContain(EXIT_CODES);
  });

  test.each([
    [['serve', '--help']], [['serve', 'x.ini', '-h']], [['help', 'serve']],
  ])('%j describes serve alone (it does not read a file or start), exit 0', async (argv) => {
    const { code, stdout, stderr } = await run(...argv);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^usage: services-core serve <deployment\.ini> \[--workers N\] \[--port P\] \[--host H\] \[--pid-file F\]\n\nrun the app of \[app:main\]/);
    expect(stdout).not.toContain('config <file>');
    expect(stdout).toContain(EXIT_CODES);
  });

  test('config --help and help config describe config', async () => {
    for (const argv of [['config', '--help'], ['help', 'config']]) {
      const { code, stdout } = await run(...argv);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^usage: services-core config <file>\n\nprint the flattened config \(secrets masked\)/);
    }
  });

  test('help for an unknown command is a usage error, exit 2', async () => {
    const { code, stdout, stderr } = await run('help', 'frobnicate');
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toMatch(/^services-core: unknown command 'frobnicate'\nusage:/);
  });

  test('--version prints the package.json version', async () => {
    expect(await run('--version')).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  test('the bin: --version and serve --help exit 0, no command exits 2', async () => {
    const bin = (...args: string[]) => promisify(execFile)(process.execPath,
      ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT });
    expect((await bin('--version')).stdout).toBe(`${VERSION}\n`);
    expect((await bin('serve', '--help')).stdout).toContain('usage: services-core serve');
    await expect(bin()).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('no command given') });
  });
});
