import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [relative(ROOT, path)] : [];
  });
}

test('test/README.md says where the tests of every source file live', () => {
  const readme = readFileSync(join(ROOT, 'test/README.md'), 'utf8');
  const listed = new Set([...readme.matchAll(/^\| `(src\/[^`]+)` \|/gm)].map((m) => m[1]));
  const files = sources(join(ROOT, 'src'));
  expect(files.filter((file) => !listed.has(file))).toEqual([]);
  expect([...listed].filter((file) => !files.includes(file))).toEqual([]);
});
