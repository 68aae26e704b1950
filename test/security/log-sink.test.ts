import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LogFileSink } from '../../src/serve/log-file-sink';
import { openLogOutput } from '../../src/serve/log-output';

// global.log_file fails well: an unwritable file costs one stderr line per interval, not one
// per record, and the reopen after rotation never closes a descriptor twice (docs/deploy.md, Logs).

const openFds = () => readdirSync('/proc/self/fd').length;

describe('the log file sink', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sc-logsink-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a file that refuses every write (/dev/full): 500 records, one stderr line per interval with the count', () => {
    const lines: string[] = [];
    let now = 0;
    const output = openLogOutput({ 'global.log_file': '/dev/full' }, { report: (line) => void lines.push(line), now: () => now });
    for (let i = 0; i < 500; i++) output.logger.info({ i }, 'a record');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^services-core: cannot write the log file \/dev\/full: ENOSPC.*; records are dropped \(said again at most every 60 s\)\n$/);
    now += 60_000;
    for (let i = 0; i < 10; i++) output.logger.error('still failing');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/ENOSPC.*; 500 records dropped since the last line\n$/);
  });

  test('a file that takes records again says how many were dropped, once', () => {
    const lines: string[] = [];
    const file = path.join(dir, 'app.log');
    const sink = new LogFileSink(file, { report: (line) => void lines.push(line) });
    sink.write('one\n');
    // The file's descriptor goes bad (closed under it): writes fail with EBADF and are counted.
    (sink as unknown as { fd: number }).fd = 1_000_000;
    sink.write('lost\n');
    sink.write('lost\n');
    sink.reopen();
    sink.write('two\n');
    sink.write('three\n');
    expect(readFileSync(file, 'utf8')).toBe('one\ntwo\nthree\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/EBADF/);
    expect(lines[1]).toBe(`services-core: log file ${file} takes records again; 2 were dropped\n`);
    sink.close();
  });

  test('rotation: reopen writes to the new file and closes the old descriptor once; a failed reopen keeps the old file, says so, and returns false', () => {
    const lines: string[] = [];
    const file = path.join(dir, 'app.log');
    const before = openFds();
    const output = openLogOutput({ 'global.log_file': file }, { report: (line) => void lines.push(line) });
    output.logger.info('before rotation');
    for (let round = 0; round < 3; round++) {
      renameSync(file, `${file}.${round}`);
      mkdirSync(file); // the path is unusable: every reopen fails
      expect(output.reopen()).toBe(false);
      expect(output.reopen()).toBe(false);
      output.logger.info(`after failed reopens ${round}`);
      rmSync(file, { recursive: true });
      expect(output.reopen()).toBe(true);
      output.logger.info(`reopened ${round}`);
    }
    expect(openFds()).toBe(before + 1); // only the current file: every old descriptor closed
    const rotated = readFileSync(`${file}.0`, 'utf8');
    expect(rotated).toContain('before rotation');
    expect(rotated).toMatch(/cannot reopen the log file .*EISDIR.*logging on to the file opened before/);
    expect(rotated).toContain('after failed reopens 0');
    expect(readFileSync(file, 'utf8')).toContain('reopened 2');
    expect(readFileSync(file, 'utf8')).not.toContain('reopened 1');
    expect(lines).toEqual([]); // no EBADF, no stderr line at all
    expect(existsSync(`${file}.2`)).toBe(true);
  });
});
