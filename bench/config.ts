/**
 * Config reader speed: 10,000 options in 500 sections reached through a 3-level extends chain
 * (main → mid → base), written to a temp dir. Reports the median ms per `Config.load`, per
 * `getMap()` (typing every value) and per `Config.parse` of the largest file alone.
 *
 *   npx ts-node --transpile-only bench/config.ts [runs]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Config } from '../src/config';
import { median } from './support/bench-args';

const SECTIONS = 500;
const RUNS = Number(process.argv[2] ?? 50);

function value(s: number, o: number, level: string): string {
  switch (o % 5) {
    case 0: return String(s * 100 + o);
    case 1: return `"${level} quoted ${s}"`;
    case 2: return `mysql://user:\${BENCH_PW}@db${s}.example.com/${level} ; inline comment`;
    case 3: return `${level}-first\n    second ${o}\n    3`;
    default: return o % 2 === 0 ? 'true' : `plain ${level} text ${s}.${o}`;
  }
}

/** A file with every section and options o0..o<count-1>. */
function file(level: string, count: number, extendsFile?: string): string {
  const out: string[] = extendsFile ? [`[DEFAULT]\nextends = ${extendsFile}\n`] : [];
  for (let s = 0; s < SECTIONS; s++) {
    out.push(`# section ${s}\n[section${s}]`);
    for (let o = 0; o < count; o++) out.push(`opt${o} = ${value(s, o, level)}`);
    out.push('');
  }
  return out.join('\n');
}

function time(fn: () => unknown): number {
  for (let i = 0; i < 5; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

const dir = mkdtempSync(join(tmpdir(), 'sc-bench-config-'));
try {
  writeFileSync(join(dir, 'base.ini'), file('base', 20));
  writeFileSync(join(dir, 'mid.ini'), file('mid', 10, 'base.ini'));
  writeFileSync(join(dir, 'main.ini'), file('main', 5, 'mid.ini'));
  const env = { BENCH_PW: 'secret' };

  const config = Config.load(join(dir, 'main.ini'), { env });
  const flat = config.getMap();
  const options = Object.keys(flat).length;
  if (options !== SECTIONS * 20) throw new Error(`expected ${SECTIONS * 20} options, got ${options}`);

  const load = time(() => Config.load(join(dir, 'main.ini'), { env }));
  const getMap = time(() => config.getMap());
  const baseText = readFileSync(join(dir, 'base.ini'), 'utf8');
  const ours = time(() => Config.parse(baseText, { env }));

  console.log(`config: ${options} options, ${SECTIONS} sections, 3 files (17,500 option lines), median of ${RUNS}`);
  console.log(`  Config.load (lex 3 files + extends merge): ${load.toFixed(2)} ms`);
  console.log(`  getMap() (type all values, \${VAR}):        ${getMap.toFixed(2)} ms`);
  const mbPerS = baseText.length / 1024 / 1024 / (ours / 1000);
  console.log(`  Config.parse of base.ini alone (${(baseText.length / 1024).toFixed(0)} KiB, 10,000 lines): ` +
    `${ours.toFixed(2)} ms (${mbPerS.toFixed(0)} MiB/s)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
