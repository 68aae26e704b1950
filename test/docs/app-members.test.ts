import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');

/** The public instance members SyncServerApp declares (no `private`/`protected`/`#`, no statics). */
function publicMembers(): string[] {
  const file = path.join(ROOT, 'src/app/sync-server-app.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const names = new Set<string>();
  const visit = (node: ts.Node) => {
    if (ts.isClassDeclaration(node) && node.name?.text === 'SyncServerApp') {
      for (const member of node.members) {
        if (ts.isConstructorDeclaration(member) || !member.name || !ts.isIdentifier(member.name)) continue;
        const modifiers = ts.canHaveModifiers(member) ? ts.getModifiers(member) ?? [] : [];
        const hidden = [ts.SyntaxKind.PrivateKeyword, ts.SyntaxKind.ProtectedKeyword, ts.SyntaxKind.StaticKeyword];
        if (!modifiers.some((m) => hidden.includes(m.kind))) names.add(member.name.text);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return [...names].sort();
}

test("docs/app.md's list of public members is every public member of SyncServerApp", () => {
  const doc = readFileSync(path.join(ROOT, 'docs/app.md'), 'utf8');
  const paragraph = /^Public members: [\s\S]*?\n\n/m.exec(doc)?.[0] ?? '';
  // Each member as a backticked name: `config`, `listen(port?, host?)` → listen.
  const listed = [...paragraph.matchAll(/`([a-zA-Z]+)[`(]/g)].map((m) => m[1]);
  const members = publicMembers();
  expect(members.length).toBeGreaterThan(10);
  expect([...new Set(listed.filter((name) => members.includes(name)))].sort()).toEqual(members);
});
