import { longestCronGapMs } from './schedule-interval.js';

const HOUR = 3_600_000;

describe('longestCronGapMs', () => {
  it.each([
    ['0 2 * * *', 24 * HOUR],
    ['0 * * * *', HOUR],
    ['0 2 * * 0', 7 * 24 * HOUR],
    ['0 2,14 * * *', 12 * HOUR],
    ['0 2 * * 1-5', 3 * 24 * HOUR], // Friday to Monday
  ])('%s allows %i ms between runs', (expression, gap) => {
    expect(longestCronGapMs(expression)).toBe(gap);
  });
});
