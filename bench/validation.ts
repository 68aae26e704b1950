/**
 * What a route's `validate` costs with each schema library docs/app.md weighs (zod 4, valibot 1,
 * TypeBox 0.34 compiled), against a hand-written `typeof` check: the CPU time of validating one
 * small request (a JSON body and a query string to coerce), valid and invalid, as the route does
 * it (through the Standard Schema `~standard.validate` for zod and valibot; TypeBox has no
 * Standard Schema, so `Value.Convert` + a compiled `Check`); and the import cost (time to
 * `require` the library and build the schemas in a fresh process). Each measurement runs in its
 * own child process; rounds are interleaved and medians printed.
 *
 *   npm install --no-save zod@^4 @sinclair/typebox@^0.34   # valibot is a devDependency; a library not installed is skipped
 *   npx ts-node --transpile-only bench/validation.ts [--rounds 5] [--iterations 200000]
 */
import { execFileSync } from 'node:child_process';
import { median, numberOption as option } from './support/bench-args';

type Lib = 'typeof' | 'zod' | 'valibot' | 'typebox';
const LIBS: Lib[] = ['typeof', 'zod', 'valibot', 'typebox'];

/** One request's input: the body as JSON.parse gives it, the query as Koa's `ctx.query` gives it. */
const VALID = { body: { text: 'buy milk', tags: ['home', 'today'] }, query: { limit: '20', full: 'true' } };
const INVALID = { body: { text: 42, tags: ['home'] }, query: { limit: 'many' } };

/** The libraries are optional here (only valibot is a devDependency): loaded by name, untyped. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = (name: string): any => require(name);

type Check = (input: { body: unknown; query: unknown }) => boolean;

/** Builds the validator of one library; the schema: body `{ text: 1-500 chars, tags?: ≤10 strings }`, query `{ limit: 1-100 integer, full?: 'true'|'false' → boolean }`. */
async function build(lib: Lib): Promise<Check> {
  if (lib === 'typeof') {
    return ({ body, query }) => {
      const b = body as { text?: unknown; tags?: unknown };
      const q = query as { limit?: unknown; full?: unknown };
      if (typeof b !== 'object' || b === null || typeof b.text !== 'string' || b.text.length < 1 || b.text.length > 500) return false;
      if (b.tags !== undefined && !(Array.isArray(b.tags) && b.tags.length <= 10 && b.tags.every((t) => typeof t === 'string'))) return false;
      const limit = Number(q.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) return false;
      return q.full === undefined || q.full === 'true' || q.full === 'false';
    };
  }
  if (lib === 'zod') {
    const { z } = load('zod');
    const body = z.object({ text: z.string().min(1).max(500), tags: z.array(z.string()).max(10).optional() });
    const query = z.object({ limit: z.coerce.number().int().min(1).max(100), full: z.enum(['true', 'false']).transform((s: string) => s === 'true').optional() });
    return standard(body, query);
  }
  if (lib === 'valibot') {
    const v = load('valibot');
    const body = v.object({ text: v.pipe(v.string(), v.minLength(1), v.maxLength(500)), tags: v.optional(v.pipe(v.array(v.string()), v.maxLength(10))) });
    const query = v.object({
      limit: v.pipe(v.string(), v.transform(Number), v.integer(), v.minValue(1), v.maxValue(100)),
      full: v.optional(v.pipe(v.picklist(['true', 'false']), v.transform((s: string) => s === 'true'))),
    });
    return standard(body, query);
  }
  const { Type } = load('@sinclair/typebox');
  const { TypeCompiler } = load('@sinclair/typebox/compiler');
  const { Value } = load('@sinclair/typebox/value');
  const body = Type.Object({ text: Type.String({ minLength: 1, maxLength: 500 }), tags: Type.Optional(Type.Array(Type.String(), { maxItems: 10 })) });
  const query = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100 }), full: Type.Optional(Type.Boolean()) });
  const [checkBody, checkQuery] = [TypeCompiler.Compile(body), TypeCompiler.Compile(query)];
  return (input) => checkBody.Check(input.body) && checkQuery.Check(Value.Convert(query, input.query));
}

interface Standard { '~standard': { validate: (value: unknown) => { issues?: unknown } | Promise<unknown> } }

function standard(body: unknown, query: unknown): Check {
  const [b, q] = [(body as Standard)['~standard'], (query as Standard)['~standard']];
  return (input) => {
    const rb = b.validate(input.body) as { issues?: unknown };
    const rq = q.validate(input.query) as { issues?: unknown };
    return !rb.issues && !rq.issues;
  };
}

/** In a child: microseconds of CPU per validation of `input`, after a warm-up. */
async function perCall(lib: Lib, which: 'valid' | 'invalid', iterations: number): Promise<number> {
  const check = await build(lib);
  const input = which === 'valid' ? VALID : INVALID;
  if (check(input) !== (which === 'valid')) throw new Error(`${lib}: the ${which} input was judged wrongly`);
  for (let i = 0; i < iterations / 10; i++) check(input);
  const before = process.cpuUsage();
  for (let i = 0; i < iterations; i++) check(input);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / iterations;
}

/** In a child: milliseconds to load the library and build the schemas. */
async function importCost(lib: Lib): Promise<number> {
  const start = process.hrtime.bigint();
  await build(lib);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function installed(lib: Lib): boolean {
  if (lib === 'typeof') return true;
  try {
    require.resolve(lib === 'typebox' ? '@sinclair/typebox/compiler' : lib);
    return true;
  } catch {
    return false;
  }
}

/** Runs this file as a child (plain node on the ts-node-compiled output would add ts-node to the import cost either way, equally for all). */
function inChild(args: string[]): number {
  const out = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', __filename, ...args], { encoding: 'utf8' });
  return Number(out.trim());
}

async function main(): Promise<void> {
  const [mode, lib, which, iterations] = process.argv.slice(2);
  if (mode === 'call') {
    process.stdout.write(`${await perCall(lib as Lib, which as 'valid' | 'invalid', Number(iterations))}\n`);
    return;
  }
  if (mode === 'import') {
    process.stdout.write(`${await importCost(lib as Lib)}\n`);
    return;
  }
  const rounds = option('rounds', 5);
  const n = option('iterations', 200_000);
  const libs = LIBS.filter(installed);
  const skipped = LIBS.filter((l) => !installed(l));
  const results = new Map(libs.map((l) => [l, { valid: [] as number[], invalid: [] as number[], import: [] as number[] }]));
  for (let round = 0; round < rounds; round++) {
    for (const l of libs) {
      const r = results.get(l)!;
      r.valid.push(inChild(['call', l, 'valid', String(n)]));
      r.invalid.push(inChild(['call', l, 'invalid', String(n)]));
      r.import.push(inChild(['import', l]));
    }
  }
  console.log(`${rounds} interleaved rounds, ${n} validations per run, medians; node ${process.version}${skipped.length ? `; not installed: ${skipped.join(', ')}` : ''}`);
  console.log(`${'library'.padEnd(10)} ${'valid µs'.padStart(9)} ${'invalid µs'.padStart(11)} ${'import+build ms'.padStart(16)}`);
  for (const [l, r] of results) {
    console.log(`${l.padEnd(10)} ${median(r.valid).toFixed(3).padStart(9)} ${median(r.invalid).toFixed(3).padStart(11)} ${median(r.import).toFixed(1).padStart(16)}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
