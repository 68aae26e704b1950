import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/**
 * Compiles `entries` (paths inside the checkout `root`, with all they import) to CommonJS in a
 * new temp directory, laid out as in `root`, with this checkout's node_modules linked in: a bench
 * then spawns `node <out>/…js`, as a deployment runs the compiled app, not ts-node.
 */
export function compileTree(root: string, entries: readonly string[]): string {
  const out = mkdtempSync(join(tmpdir(), 'bench-compiled-'));
  symlinkSync(join(ROOT, 'node_modules'), join(out, 'node_modules'));
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '--outDir', out, '--rootDir', root, '--target', 'ES2022',
    '--module', 'commonjs', '--lib', 'ES2023', '--types', 'node', '--experimentalDecorators', '--emitDecoratorMetadata', '--esModuleInterop', '--skipLibCheck', '--resolveJsonModule', '--strict',
    '--typeRoots', join(ROOT, 'node_modules/@types'),
    // Strict as in tsconfig.json (narrowing depends on it), with the project's own declarations.
    ...[join(root, 'src/auth/punycode.d.ts')].filter((file) => existsSync(file)),
    ...entries.map((entry) => join(root, entry))], { stdio: 'inherit' });
  return out;
}
