import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../support/run-cli';

const ROOT = join(__dirname, '..', '..');
const NOTES_INI = join(ROOT, 'samples', 'notes', 'development.ini');
const VALIDATOR = join(ROOT, 'node_modules', '@seriousme', 'openapi-schema-validator', 'bin', 'validate-api-cli.js');

/** Runs the maintained OpenAPI validator (@seriousme/openapi-schema-validator, 3.0 and 3.1) on a document. */
async function validate(document: unknown): Promise<{ valid: boolean; errors?: unknown[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document));
    const { stdout } = await promisify(execFile)(process.execPath, [VALIDATOR, file]).catch((err: { stdout: string }) => ({ stdout: err.stdout }));
    return JSON.parse(stdout) as { valid: boolean; errors?: unknown[] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Operation = { operationId: string; parameters: Array<{ name: string; in: string; required: boolean; schema: Record<string, unknown> }>; requestBody?: { content: Record<string, { schema: Record<string, unknown> }> }; responses: Record<string, { content?: Record<string, unknown> }>; security?: unknown[] };

describe('services-core openapi <deployment.ini>', () => {
  let printed: { code: number; stdout: string; stderr: string };
  let document: { openapi: string; info: Record<string, unknown>; paths: Record<string, Record<string, Operation>>; components: Record<string, Record<string, unknown>> };

  beforeAll(async () => {
    printed = await runCli('openapi', NOTES_INI);
    document = JSON.parse(printed.stdout) as typeof document;
  }, 60_000);

  test('prints the notes sample\'s document alone on stdout, and a maintained OpenAPI 3.1 validator accepts it', async () => {
    expect(printed.code).toBe(0);
    expect(printed.stderr).not.toContain('is not described');
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toEqual({ title: 'NotesApp', version: expect.any(String), description: expect.any(String) });
    expect(await validate(document)).toEqual({ valid: true });
  }, 30_000);

  test('the validator is not a rubber stamp: a broken document fails it', async () => {
    const broken = { ...document, paths: { '/{username}/notes': { get: { operationId: 'x', parameters: [{ name: 'username', in: 'path' }], responses: {} } } } };
    expect((await validate(broken)).valid).toBe(false);
  }, 30_000);

  test('every route and method, with path and query parameters and bodies from the valibot schemas', () => {
    expect(Object.keys(document.paths).sort()).toEqual(['/{username}/notes', '/{username}/notes/import', '/{username}/notes/{id}', '/{username}/notes/{id}/body']);
    expect(Object.keys(document.paths['/{username}/notes/{id}']).sort()).toEqual(['delete', 'get']);
    const list = document.paths['/{username}/notes'].get;
    expect(list.operationId).toBe('listNotes');
    expect(list.parameters).toEqual([
      { name: 'username', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'limit', in: 'query', required: false, schema: { type: 'string', default: '50' } },
      { name: 'after', in: 'query', required: false, schema: { type: 'string', default: '0' } },
    ]);
    const get = document.paths['/{username}/notes/{id}'].get;
    expect(get.parameters[1]).toEqual({ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^\\d{1,10}$' } });
    const add = document.paths['/{username}/notes'].post;
    expect(add.requestBody!.content['application/json'].schema).toEqual({
      type: 'object',
      properties: { title: { type: 'string', minLength: 1, maxLength: 200 }, body: { type: 'string', maxLength: 10000, default: '' } },
      required: ['title'],
    });
    const importing = document.paths['/{username}/notes/import'].post;
    expect(Object.keys(importing.requestBody!.content)).toEqual(['application/json', 'application/x-www-form-urlencoded', 'text/plain']);
    expect(Object.keys(document.paths['/{username}/notes/{id}/body'].put.requestBody!.content)).toEqual(['text/plain']);
  });

  test('errors are problem+json (the JSON profile), Basic security on every route', () => {
    const add = document.paths['/{username}/notes'].post;
    expect(Object.keys(add.responses)).toEqual(['200', '400', '401', '413', '415', 'default']);
    expect(add.responses['401'].content).toEqual({ 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } });
    expect(add.security).toEqual([{ basic: [] }]);
    expect(document.components.securitySchemes).toEqual({ basic: { type: 'http', scheme: 'basic', description: 'HTTP Basic against the user store, realm "NotesApp"' } });
    expect(document.components.schemas.Problem).toMatchObject({ required: ['type', 'title', 'status'] });
  });

  test('usage errors exit 2; a bad .ini names the file', async () => {
    expect((await runCli('openapi')).code).toBe(2);
    expect((await runCli('openapi', '--workers', '2')).code).toBe(2);
    const missing = await runCli('openapi', join(ROOT, 'no-such.ini'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no-such.ini');
  });

  test('services-core --help lists the command', async () => {
    const help = await runCli('--help');
    expect(help.stdout).toMatch(/openapi <deployment\.ini>/);
  });
});
