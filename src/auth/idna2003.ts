import type * as Punycode from 'punycode/';
import { loadOptional } from '../util/load-optional';
import { CASE_MAP, L, MAP_TO_NOTHING, NFKC_3_2, PROHIBITED, RAND_AL, UNASSIGNED } from './idna2003-tables';

/**
 * IDNA 2003 ToASCII (RFC 3490) with nameprep (RFC 3491), as Python's `encodings.idna` does it:
 * unassigned code points allowed, no STD3 rules. Node's `url.domainToASCII` is UTS #46, which
 * maps some inputs differently (ß, symbols), so legacy username hashes need this one.
 */
export class IdnaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdnaError';
  }
}

/** A sorted set of code point ranges decoded from the generated tables. */
class RangeSet {
  private readonly bounds: number[] = [];

  constructor(encoded: string) {
    let end = 0;
    for (const pair of encoded.split(',')) {
      const [gap, length] = pair.split('.').map((n) => parseInt(n, 36));
      const start = end + gap;
      end = start + length + 1;
      this.bounds.push(start, end);
    }
  }

  has(cp: number): boolean {
    let lo = 0;
    let hi = this.bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.bounds[mid] <= cp) lo = mid + 1;
      else hi = mid;
    }
    return lo % 2 === 1;
  }
}

function codePointMap(encoded: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const entry of encoded.split(',')) {
    const [from, to] = entry.split(':');
    map.set(parseInt(from, 36), String.fromCodePoint(...to.split('.').map((n) => parseInt(n, 36))));
  }
  return map;
}

interface Tables {
  mapToNothing: RangeSet;
  prohibited: RangeSet;
  unassigned: RangeSet;
  randAL: RangeSet;
  leftToRight: RangeSet;
  caseMap: Map<number, string>;
  nfkcFixes: Map<number, string>;
}

/** Decoded by the first non-ASCII label (most names are ASCII): not at every start. */
let decoded: Tables | undefined;
const tables = (): Tables => (decoded ??= {
  mapToNothing: new RangeSet(MAP_TO_NOTHING),
  prohibited: new RangeSet(PROHIBITED),
  unassigned: new RangeSet(UNASSIGNED),
  randAL: new RangeSet(RAND_AL),
  leftToRight: new RangeSet(L),
  caseMap: codePointMap(CASE_MAP),
  nfkcFixes: codePointMap(NFKC_3_2),
});

const DOTS = /[.\u3002\uFF0E\uFF61]/;
const ACE_PREFIX = 'xn--';

function hex(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Unicode 3.2 NFKC. Code points unassigned in 3.2 are left alone (they block composition, so
 * the runs between them normalize independently), and the few characters whose decomposition
 * was corrected later keep their 3.2 one.
 */
function nfkc32(text: string, { unassigned, nfkcFixes }: Tables): string {
  let out = '';
  let run = '';
  for (const char of text) {
    const cp = char.codePointAt(0)!;
    if (unassigned.has(cp)) {
      out += run.normalize('NFKC') + char;
      run = '';
    } else {
      run += nfkcFixes.get(cp) ?? char;
    }
  }
  return out + run.normalize('NFKC');
}

/**
 * B.2 only lists characters assigned in Unicode 3.2. Like Python, a later character gets its
 * lower case, then the B.2 mapping of that (U+1E9E ẞ → ß → ss).
 */
function foldUnassigned(char: string, { caseMap }: Tables): string {
  let out = '';
  for (const lower of char.toLowerCase()) out += caseMap.get(lower.codePointAt(0)!) ?? lower;
  return out;
}

/** RFC 3491 nameprep of one label: map (B.1, B.2), NFKC, prohibit (C.*), check bidi (6). */
export function nameprep(label: string): string {
  const t = tables();
  const { mapToNothing, caseMap, unassigned, prohibited, randAL, leftToRight } = t;
  let mapped = '';
  for (const char of label) {
    const cp = char.codePointAt(0)!;
    if (mapToNothing.has(cp)) continue;
    mapped += caseMap.get(cp) ?? (unassigned.has(cp) ? foldUnassigned(char, t) : char.toLowerCase());
  }
  const normalized = nfkc32(mapped, t);
  const cps = Array.from(normalized, (c) => c.codePointAt(0)!);
  for (const cp of cps) {
    if (prohibited.has(cp)) throw new IdnaError(`prohibited character ${hex(cp)}`);
  }
  if (cps.some((cp) => randAL.has(cp))) {
    const ltr = cps.find((cp) => leftToRight.has(cp));
    if (ltr !== undefined) throw new IdnaError(`right-to-left text mixed with left-to-right ${hex(ltr)} (bidi rule 2)`);
    if (!randAL.has(cps[0]) || !randAL.has(cps[cps.length - 1])) {
      throw new IdnaError('right-to-left text must start and end with a right-to-left character (bidi rule 3)');
    }
  }
  return normalized;
}

/** Loaded by the first non-ASCII label: most names never need it. */
let punycodeLib: typeof Punycode | undefined;
const punycode = (): typeof Punycode => (punycodeLib ??= loadOptional<typeof Punycode>('punycode/', 'non-ASCII names'));

function labelToAscii(label: string): string {
  // eslint-disable-next-line no-control-regex
  let ascii = /^[\x00-\x7F]*$/.test(label) ? label : nameprep(label);
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7F]*$/.test(ascii)) {
    if (ascii.startsWith(ACE_PREFIX)) throw new IdnaError(`label '${label}' starts with the ACE prefix '${ACE_PREFIX}'`);
    ascii = ACE_PREFIX + punycode().encode(ascii);
  }
  if (ascii.length === 0) throw new IdnaError('empty label');
  if (ascii.length > 63) throw new IdnaError(`label longer than 63 characters: '${ascii}'`);
  return ascii;
}

/**
 * ToASCII applied label by label (the four IDNA dots separate labels; a trailing dot is kept),
 * like Python's `str.encode('idna')`. An empty input gives an empty output.
 */
export function toAscii(name: string): string {
  if (name === '') return '';
  const labels = name.split(DOTS);
  const trailingDot = labels[labels.length - 1] === '';
  if (trailingDot) labels.pop();
  return labels.map(labelToAscii).join('.') + (trailingDot ? '.' : '');
}
