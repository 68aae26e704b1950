// A strict CEF line parser for the tests: it rejects anything the CEF spec does not allow
// (raw CR/LF or any control character, unknown escapes, a key that is not a key) instead of guessing.

export interface ParsedCef {
  date: string;
  host: string;
  header: string[]; // version, vendor, product, device_version, signature, name, severity
  extensions: Array<[string, string]>;
}

const HEADER_ESCAPES: Record<string, string> = { '\\': '\\', '|': '|', n: '\n', r: '\r', t: '\t' };
const EXTENSION_ESCAPES: Record<string, string> = { '\\': '\\', '=': '=', n: '\n', r: '\r', t: '\t' };
// `\xhh` for C0/DEL/C1 controls, `\u2028` / `\u2029`: only those, so printable text has one spelling.
const ESCAPED_CODE = /^(?:x([01][0-9a-f]|7f|8[0-9a-f]|9[0-9a-f])|u(202[89]))/;
const KEY = /^[A-Za-z0-9_.?-]+$/;

function unescape(raw: string, escapes: Record<string, string>, what: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== '\\') {
      out += raw[i];
      continue;
    }
    const code = ESCAPED_CODE.exec(raw.slice(i + 1, i + 6));
    if (code) {
      out += String.fromCharCode(parseInt(code[1] ?? code[2], 16));
      i += code[0].length;
      continue;
    }
    const next = raw[++i];
    if (next === undefined || !(next in escapes)) throw new Error(`bad escape \\${next ?? ''} in ${what}: ${JSON.stringify(raw)}`);
    out += escapes[next];
  }
  return out;
}

/** Splits at every `sep` that is not escaped, keeping escapes in the parts. */
function splitUnescaped(text: string, sep: string, limit = Infinity): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length && parts.length < limit; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === sep) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

export function parseCefLine(line: string): ParsedCef {
  // eslint-disable-next-line no-control-regex -- a raw control character is what the parser rejects
  if (/[\x00-\x1f\x7f-\x9f\u2028\u2029]/.test(line)) throw new Error(`raw control character in line: ${JSON.stringify(line)}`);
  const m = /^([A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2}) (\S+) CEF:(.*)$/s.exec(line);
  if (!m) throw new Error(`no date, host and CEF: at the start: ${JSON.stringify(line)}`);
  const [, date, host, rest] = m;
  const parts = splitUnescaped(rest, '|', 7);
  if (parts.length !== 8) throw new Error(`expected 7 header fields and extensions, got ${parts.length}: ${JSON.stringify(line)}`);
  const header = parts.slice(0, 7).map((p, i) => unescape(p, HEADER_ESCAPES, `header field ${i}`));

  const segments = splitUnescaped(parts[7], '=');
  if (segments.length < 2) throw new Error(`no extensions: ${JSON.stringify(line)}`);
  const extensions: Array<[string, string]> = [];
  let key = segments[0];
  for (let i = 1; i < segments.length; i++) {
    if (!KEY.test(key)) throw new Error(`bad extension key ${JSON.stringify(key)} in ${JSON.stringify(line)}`);
    let raw = segments[i];
    let nextKey = '';
    if (i < segments.length - 1) {
      const space = raw.lastIndexOf(' ');
      if (space === -1) throw new Error(`no space before key in ${JSON.stringify(raw)}`);
      nextKey = raw.slice(space + 1);
      raw = raw.slice(0, space);
    }
    extensions.push([key, unescape(raw, EXTENSION_ESCAPES, `value of ${key}`)]);
    key = nextKey;
  }
  return { date, host, header, extensions };
}
