import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

// `npm test` passes in a source tree without `.git` (an exported archive, a distribution's
// package build): no test, helper or source file runs git to list files; they read the tree.
test('no test or source runs git (the suite passes in a tree without .git)', () => {
  const callers: string[] = [];
  for (const top of ['src', 'test', 'samples', 'bench']) {
    for (const file of readdirSync(join(ROOT, top), { recursive: true, encoding: 'utf8' })) {
      if (!/\.(ts|js|mjs)$/.test(file)) continue;
      const text = readFileSync(join(ROOT, top, file), 'utf8');
      if (/\b(?:execFileSync|execFile|spawnSync|spawn|execSync|exec)\(\s*['"`]git\b/.test(text)) callers.push(`${top}/${file}`);
    }
  }
  expect(callers).toEqual([]);
});
