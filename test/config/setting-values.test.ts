import { Config } from '../../src/config';
import { defineSettings, readDeclaredSettings } from '../../src/config/setting-values';

const parse = (text: string) => Config.parse(text, { filename: 'app.conf' }).getMap();

describe('readDeclaredSettings', () => {
  test('a list is the words of a line or the lines of a value; text is kept as written; an empty value is the default', () => {
    const schema = defineSettings({
      'a.list': ['list', 'none', ''], 'a.lines': ['list', 'none', ''], 'a.text': ['string', '`x`', ''], 'a.n': ['integer', '`3`', ''],
    });
    expect(readDeclaredSettings(parse('[a]\nlist = x, y z\nlines =\n  one\n  two\ntext = 12\nn =\n'), schema))
      .toEqual({ 'a.list': ['x', 'y', 'z'], 'a.lines': ['one', 'two'], 'a.text': '12', 'a.n': 3 });
  });

  test('the values are typed from the schema literal', () => {
    const values = readDeclaredSettings(parse('[links]\nlength = 9\n'), defineSettings({
      'links.length': ['integer', '`7`', ''], 'links.base': ['URL', 'none', ''], 'links.mode': ['`a` | `b`', '`a`', ''],
      'links.on': ['boolean', '`false`', ''], 'links.hosts': ['list', 'none', ''],
    }));
    const length: number = values['links.length'];
    const mode: 'a' | 'b' = values['links.mode'];
    const on: boolean = values['links.on'];
    const base: string | undefined = values['links.base'];
    const hosts: readonly string[] | undefined = values['links.hosts'];
    // @ts-expect-error a key with no default in backticks may be missing
    const baseRequired: string = values['links.base'];
    // @ts-expect-error an integer is no string
    const lengthText: string = values['links.length'];
    // @ts-expect-error only the declared words
    const other: 'c' = values['links.mode'];
    expect([length, mode, on, base, hosts, baseRequired, lengthText, other]).toEqual([9, 'a', false, undefined, undefined, undefined, 9, 'a']);
  });
});
