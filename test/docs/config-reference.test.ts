import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FRAMEWORK_SETTINGS } from '../../src/app/framework-settings';
import { renderSchema } from '../../src/config/schema';

// README.md's configuration reference is the settings schema rendered; after adding a key, run
// `UPDATE_DOCS=1 npx jest test/docs/config-reference.test.ts` to write it.
const README = join(__dirname, '../../README.md');
const START = '<!-- config-reference: generated from the settings schema by test/docs/config-reference.test.ts -->\n';
const END = '<!-- end of config-reference -->';

test('README.md "Configuration reference" is the settings schema, key for key', () => {
  const text = readFileSync(README, 'utf8');
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  expect(from).toBeGreaterThan(-1);
  expect(to).toBeGreaterThan(from);
  const rendered = renderSchema(FRAMEWORK_SETTINGS);
  if (process.env.UPDATE_DOCS === '1') writeFileSync(README, text.slice(0, from + START.length) + rendered + text.slice(to));
  else expect(text.slice(from + START.length, to)).toBe(rendered);
});

test('every framework key is documented once, with a type, a default and a meaning', () => {
  for (const [key, [type, dflt, meaning]] of Object.entries(FRAMEWORK_SETTINGS)) {
    expect({ key, empty: [type, dflt, meaning].filter((cell) => cell.trim() === '').length }).toEqual({ key, empty: 0 });
  }
});
