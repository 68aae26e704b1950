import { readFileSync } from 'node:fs';

/**
 * How the docs test treats a fenced block, from the words after the language on the fence line:
 * - nothing: ```ts/```js blocks are type-checked and run, ```sh/```bash blocks run, ```ini
 *   blocks are parsed by our Config reader;
 * - `typecheck: <reason>` (ts/js): type-checked, not run;
 * - `illustrative: <reason>`: neither (a fragment, or something that cannot run in a test);
 * - `continues` (ts/js): the block goes on from the previous non-illustrative ts/js block of the
 *   same file, which is put in front of it.
 */
export interface DocBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  mode: 'run' | 'typecheck' | 'illustrative';
  reason?: string;
  continues: boolean;
  code: string;
  /** What is wrong with the fence line, if anything. */
  error?: string;
}

const FENCE = /^(`{3,}|~{3,})(?![`~])(.*)$/;
const MARKER = /^(illustrative|typecheck)\s*(:(.*))?$/;

function parseInfo(info: string): Pick<DocBlock, 'lang' | 'mode' | 'reason' | 'continues' | 'error'> {
  const trimmed = info.trim();
  const space = trimmed.search(/\s/);
  const lang = (space === -1 ? trimmed : trimmed.slice(0, space)).toLowerCase();
  let rest = space === -1 ? '' : trimmed.slice(space).trim();
  let continues = false;
  if (rest === 'continues' || rest.startsWith('continues ')) {
    continues = true;
    rest = rest.slice('continues'.length).trim();
  }
  if (rest === '') return { lang, mode: 'run', continues };
  const marker = MARKER.exec(rest);
  if (!marker) return { lang, mode: 'run', continues, error: `unknown words on the fence line: "${rest}"` };
  const reason = (marker[3] ?? '').trim();
  const mode = marker[1] as 'illustrative' | 'typecheck';
  if (reason === '') return { lang, mode, continues, error: `\`${mode}\` needs a reason: \`${mode}: <why it is not run>\`` };
  if (mode === 'typecheck' && !['ts', 'js'].includes(lang)) return { lang, mode, continues, reason, error: '`typecheck` is for ts/js blocks' };
  return { lang, mode, reason, continues };
}

/** Every fenced code block of a markdown file (fences at the start of a line). */
export function extractBlocks(file: string, text = readFileSync(file, 'utf8')): DocBlock[] {
  const lines = text.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    const closes = (line: string) => {
      const t = line.trim();
      return t.length >= fence.length && t === fence[0].repeat(t.length);
    };
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !closes(lines[j])) {
      body.push(lines[j]);
      j++;
    }
    blocks.push({ file, line: i + 1, code: body.join('\n') + '\n', ...parseInfo(open[2]) });
    i = j;
  }
  return blocks;
}
