import { formatDuration } from './gemini-daily-cap.js';

describe('formatDuration', () => {
  it.each([
    [30, '1 min'],
    [3600, '1 h'],
    [3599, '1 h'],
    [3601, '1 h 1 min'],
    [7200, '2 h'],
    [5 * 3600 + 59 * 60 + 30, '6 h'],
  ])('%i s reads %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
