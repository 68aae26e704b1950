/**
 * Why the config reader is not the `ini` npm package: what `ini` makes of this format, and
 * parse speed on the same text (the bench/config.ts base file: 10,000 options, 500 sections).
 * `ini` is not a dependency; install it next to the repository without saving it:
 *
 *   npm install --no-save ini@5 && npx ts-node --transpile-only bench/config-vs-ini.ts [rounds]
 *
 * Rounds alternate the two parsers; each reports the median ms of 20 parses per round, then
 * the median over rounds and the ratio.
 */
import { performance } from 'node:perf_hooks';
import { Config } from '../src/config';
import { median } from './support/bench-args';

interface IniModule {
  parse(text: string): Record<string, unknown>;
}

let ini: IniModule;
let iniVersion: string;
try {
  /* eslint-disable @typescript-eslint/no-require-imports -- optional, installed for this bench only */
  ini = require('ini') as IniModule;
  iniVersion = (require('ini/package.json') as { version: string }).version;
  /* eslint-enable @typescript-eslint/no-require-imports */
} catch {
  console.error('bench/config-vs-ini.ts needs the ini package: npm install --no-save ini@5');
  process.exit(2);
}

const ROUNDS = Number(process.argv[2] ?? 7);

// The same shapes as bench/config.ts: numbers, quoted strings, ${VAR} with an inline comment,
// continuation lines, booleans and plain text.
function value(s: number, o: number): string {
  switch (o % 5) {
    case 0: return String(s * 100 + o);
    case 1: return `"base quoted ${s}"`;
    case 2: return `mysql://user:\${BENCH_PW}@db${s}.example.com/base ; inline comment`;
    case 3: return `base-first\n    second ${o}\n    3`;
    default: return o % 2 === 0 ? 'true' : `plain base text ${s}.${o}`;
  }
}
const lines: string[] = [];
for (let s = 0; s < 500; s++) {
  lines.push(`# section ${s}\n[section${s}]`);
  for (let o = 0; o < 20; o++) lines.push(`opt${o} = ${value(s, o)}`);
  lines.push('');
}
const text = lines.join('\n');

const sample = '[s]\nCamel = 1\nlist = a\n    b\nport = 80 ; http\ncolor = #fff\n';
console.log(`what ini ${iniVersion} reads from ${JSON.stringify(sample)}:`);
console.log('  ini:           ', JSON.stringify(ini.parse(sample)));
console.log('  services-core: ', JSON.stringify(Config.parse(sample).getMap()));

function time(fn: () => unknown): number {
  const samples: number[] = [];
  for (let i = 0; i < 20; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

const env = { BENCH_PW: 'secret' };
for (let i = 0; i < 10; i++) {
  ini.parse(text);
  Config.parse(text, { env });
}
const ours: number[] = [];
const theirs: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  theirs.push(time(() => ini.parse(text)));
  ours.push(time(() => Config.parse(text, { env })));
}
const [a, b] = [median(ours), median(theirs)];
console.log(`parse ${(text.length / 1024).toFixed(0)} KiB, 10,000 options, median of ${ROUNDS} rounds x 20:`);
console.log(`  Config.parse: ${a.toFixed(2)} ms   ini.parse: ${b.toFixed(2)} ms   ini/Config: ${(b / a).toFixed(1)}x`);
