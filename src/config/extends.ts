import { dirname, isAbsolute, join, resolve } from 'node:path';
import { asciiTrim } from './ascii';
import { convertText, type Env } from './convert';
import { ConfigError } from './errors';
import { parseIni, type IniDocument } from './parse-ini';
import { readConfigFile } from './read-file';

/**
 * Applies and removes `[DEFAULT] extends` (docs/compatibility.md A.7 as documented, Q-A3/Q-A4): each listed
 * file, relative to `file`'s directory, is read with its own `extends` followed first, then
 * adds the sections and options `doc` lacks, so the including file and the first listed file
 * win. `chain` holds the resolved paths being read, to report cycles.
 */
export function applyExtends(doc: IniDocument, file: string | undefined, env: Env, chain: string[]): void {
  const directive = doc.defaults.get('extends');
  if (!directive) return;
  doc.defaults.delete('extends');
  const where = { file: directive.file, line: directive.line };
  for (const line of directive.value.split('\n')) {
    const target = convertText(asciiTrim(line), env, { ...where, key: 'DEFAULT.extends' });
    if (target === '') continue;
    const shown = isAbsolute(target) || file === undefined ? target : join(dirname(file), target);
    const key = resolve(shown);
    if (chain.includes(key)) {
      throw new ConfigError(`extends: cycle: ${[...chain, key].join(' -> ')}`, where);
    }
    const extended = parseIni(readConfigFile(shown, 'extends: ', where), shown);
    applyExtends(extended, shown, env, [...chain, key]);
    mergeMissing(doc, extended);
  }
}

/**
 * Adds what `doc` lacks from `extended` (legacy merge): missing sections, and options missing
 * from both the section and `doc`'s DEFAULT; `extended`'s DEFAULT counts as part of each of its
 * own sections and is not merged as DEFAULT.
 */
function mergeMissing(doc: IniDocument, extended: IniDocument): void {
  for (const [name, options] of extended.sections) {
    let section = doc.sections.get(name);
    if (!section) {
      section = new Map();
      doc.sections.set(name, section);
      const header = extended.headers.get(name);
      if (header) doc.headers.set(name, header);
    }
    for (const source of [options, extended.defaults]) {
      for (const [option, raw] of source) {
        if (!section.has(option) && !doc.defaults.has(option)) section.set(option, raw);
      }
    }
  }
}
