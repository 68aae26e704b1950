import { filterParams } from '../../src/config/filter-params';

test('filterParams keeps one namespace (legacy A.10)', () => {
  expect(filterParams('cef', { 'cef.file': 'x', 'cef.syslog.facility': 'USER', cef: 1, 'cefx.file': 2, 'host:h.cef.file': 3, 'cef.': 4 }))
    .toEqual({ file: 'x', syslog_facility: 'USER', '': 4 });
});
