import { asciiLower, asciiTrim, asciiTrimEnd, isAsciiSpace } from './ascii';
import { ConfigError } from './errors';

/** An option as written: the raw text (continuation lines joined with `\n`) and where it is. */
export interface RawOption {
  value: string;
  file?: string;
  line?: number;
}

export type RawSection = Map<string, RawOption>;

/** Where a section's first `[header]` is: the key check reports an unknown section there, even an empty one. */
export interface SectionHeader {
  file?: string;
  line?: number;
}

/** A parsed INI file: `[DEFAULT]` apart, the other sections in file order. */
export interface IniDocument {
  defaults: RawSection;
  sections: Map<string, RawSection>;
  /** Each section's first header. */
  headers: Map<string, SectionHeader>;
}

export const DEFAULT_SECTION = 'DEFAULT';

/**
 * Lexes INI text as Python 2.7's RawConfigParser does (docs/compatibility.md A.2, less the quirks that
 * docs/config.md lists), in one pass, throwing a ConfigError naming `file:line` at the first bad line.
 * Whitespace and lower-casing are ASCII-only, as Python 2 on bytes.
 */
export function parseIni(text: string, file: string): IniDocument {
  const doc: IniDocument = { defaults: new Map(), sections: new Map(), headers: new Map() };
  let section: RawSection | undefined;
  let option: RawOption | undefined;
  let lineNo = 0;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (pos <= text.length) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = text.length;
    const line = text.charCodeAt(end - 1) === 13 ? text.slice(pos, end - 1) : text.slice(pos, end);
    pos = end + 1;
    lineNo++;
    const first = line.charCodeAt(0);
    if (line.length === 0 || first === 35 /* # */ || first === 59 /* ; */) continue;
    if (isAsciiSpace(first)) {
      const content = asciiTrim(line);
      if (content === '') continue;
      if (!option) throw bad(section ? 'indented line with no option to continue' : 'text before the first [section] header', line, file, lineNo);
      option.value += '\n' + content;
      continue;
    }
    if (first === 91 /* [ */) {
      const close = line.indexOf(']');
      if (close === -1) throw bad("section header has no closing ']'", line, file, lineNo);
      const name = line.slice(1, close);
      if (name === '') throw bad('empty section name', line, file, lineNo);
      const rest = asciiTrim(line.slice(close + 1));
      if (rest !== '' && rest[0] !== '#' && rest[0] !== ';') throw bad('unexpected text after the section header', line, file, lineNo);
      section = sectionNamed(doc, name);
      if (!doc.headers.has(name)) doc.headers.set(name, { file, line: lineNo });
      option = undefined;
      continue;
    }
    if (!section) throw bad('text before the first [section] header', line, file, lineNo);
    const delimiter = firstDelimiter(line);
    if (delimiter === -1) throw bad("line has no '=' or ':' (expected 'name = value')", line, file, lineNo);
    if (delimiter === 0) throw bad(`option name missing before '${line[0]}'`, line, file, lineNo);
    const name = asciiLower(asciiTrimEnd(line.slice(0, delimiter)));
    option = { value: asciiTrim(stripInlineComment(line.slice(delimiter + 1))), file, line: lineNo };
    section.set(name, option);
  }
  return doc;
}

function sectionNamed(doc: IniDocument, name: string): RawSection {
  if (name === DEFAULT_SECTION) return doc.defaults;
  let section = doc.sections.get(name);
  if (!section) {
    section = new Map();
    doc.sections.set(name, section);
  }
  return section;
}

function firstDelimiter(line: string): number {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 61 /* = */ || c === 58 /* : */) return i;
  }
  return -1;
}

/**
 * Cuts an inline comment from the text after the delimiter: a `;` that follows whitespace (CR
 * included), also right at the start of the value (`a = ; note` is empty, in LF and CRLF files
 * alike). A value that opens with a quote keeps any `;` up to its closing quote.
 */
function stripInlineComment(rest: string): string {
  let start = 0;
  while (start < rest.length && isAsciiSpace(rest.charCodeAt(start))) start++;
  const from = rest.charCodeAt(start) === 34 /* " */ ? closingQuote(rest, start) + 1 : start;
  let semi = rest.indexOf(';', from);
  while (semi !== -1) {
    if (semi > 0 && isAsciiSpace(rest.charCodeAt(semi - 1))) return rest.slice(0, semi);
    semi = rest.indexOf(';', semi + 1);
  }
  return rest;
}

/** The index of the quote closing the one at `open` (`\"` and `\\` are escapes), or `open` if none. */
function closingQuote(value: string, open: number): number {
  for (let i = open + 1; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 92 /* \ */) i++;
    else if (c === 34) return i;
  }
  return open;
}

function bad(problem: string, line: string, file: string, lineNo: number): ConfigError {
  const shown = line.length > 60 ? `${line.slice(0, 57)}...` : line;
  return new ConfigError(`${problem}: ${JSON.stringify(shown)}`, { file, line: lineNo });
}
