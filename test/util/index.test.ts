import * as util from '../../src/util';

describe('src/util index', () => {
  it('exports every utility of the public API (docs/compatibility.md R.2)', () => {
    for (const name of ['roundTime', 'time2bigint', 'bigint2time', 'validEmail', 'validPassword', 'checkResetCode', 'batch', 'getUrl', 'sendEmail']) {
      expect(typeof (util as Record<string, unknown>)[name]).toBe('function');
    }
  });
});
