import { serverClock } from '../../src/app/request/server-clock';
import { roundTime } from '../../src/util/time';

describe('serverClock', () => {
  afterEach(() => jest.restoreAllMocks());

  test('gives roundTime(now / 1000) for every millisecond, at the halves too', () => {
    const clock = serverClock();
    let now = 0;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    for (const base of [0, 999_999, 1_234_567_890_123, 1_795_690_373_000, 4_102_444_800_000]) {
      for (now = base; now < base + 20_000; now++) {
        if (clock() !== roundTime(now / 1000)) expect(`${now}: ${clock()}`).toBe(`${now}: ${roundTime(now / 1000)}`);
      }
    }
    now = 1_795_690_373_004;
    expect(clock()).toBe('1795690373.00');
    now = 1_795_690_373_996;
    expect(clock()).toBe('1795690374.00');
  });
});
