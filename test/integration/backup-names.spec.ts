import {
  BACKUP_NAME_PATTERN,
  BACKUP_TEMP_PATTERN,
  backupFileName,
  backupTempName,
  parseBackupName,
  parseBackupTempName,
} from '../../src/maintenance/backup/backup-names.js';

describe('backup names: generator, pattern and parser together', () => {
  const dates = [
    '2026-01-01T00:00:00.000Z',
    '2026-01-01T02:00:00.999Z',
    '2024-02-29T23:59:59.500Z',
    '1999-12-31T23:59:59.000Z',
    '2099-07-04T12:34:56.789Z',
  ].map((iso) => new Date(iso));

  it('gives the original name format, in UTC', () => {
    expect(backupFileName(new Date('2026-03-04T05:06:07.890Z'))).toBe('dnd_game_20260304_050607.db.gz');
    expect(backupFileName(new Date('2026-03-04T05:06:07Z'), 2)).toBe('dnd_game_20260304_050607_2.db.gz');
    expect(backupFileName(new Date('2026-03-04T05:06:07Z'), 0, 'pgdump')).toBe('dnd_game_20260304_050607.pgdump');
  });

  it.each(dates)('round-trips %s (to the second), with and without a sequence, in both formats', (date) => {
    const whole = new Date(Math.floor(date.getTime() / 1000) * 1000);
    for (const format of ['db.gz', 'pgdump'] as const) {
      for (const sequence of [0, 1, 42, 999]) {
        const name = backupFileName(date, sequence, format);
        expect(name).toMatch(BACKUP_NAME_PATTERN);
        expect(parseBackupName(name)).toEqual({ createdAt: whole, sequence, format });
        expect(name).not.toMatch(BACKUP_TEMP_PATTERN);
      }
    }
    for (const kind of ['db', 'db.gz', 'pgdump'] as const) {
      const temp = backupTempName(date, kind, '0123abcd');
      expect(temp).toMatch(BACKUP_TEMP_PATTERN);
      expect(parseBackupTempName(temp)).toEqual(whole);
      // Temp files are never listed as backups, nor kept by retention as one.
      expect(parseBackupName(temp)).toBeNull();
    }
  });

  it('orders names of the same second by their sequence', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect(parseBackupName(backupFileName(at, 0))!.sequence).toBeLessThan(parseBackupName(backupFileName(at, 1))!.sequence);
  });

  it.each([
    'dnd_game_20260101_020000.db', // not gzipped
    'dnd_game_20260101_020000.pgdump.gz',
    'dnd_game_20260101_020000.dump',
    'dnd_game_20260101_020000.1234abcd.pgdump.tmp',
    'dnd_game_20260101_020000.db.gz.tmp',
    'dnd_game_20260101_020000.db.gz.bak',
    'dnd_game_20260101_020000.1234abcd.db.gz.tmp',
    'dnd_game_2026011_020000.db.gz', // 7-digit date
    'dnd_game_20260101_02000.db.gz',
    'dnd_game_20260101_020000_0.db.gz', // sequence 0 is the plain name
    'dnd_game_20260101_020000_1000.db.gz',
    'dnd_game_20260101-020000.db.gz',
    'dnd_game_20261301_020000.db.gz', // month 13
    'dnd_game_20260230_020000.db.gz', // 30 February
    'dnd_game_20260101_246000.db.gz',
    'DND_GAME_20260101_020000.db.gz',
    'other_20260101_020000.db.gz',
    'x-dnd_game_20260101_020000.db.gz',
    'dnd_game_20260101_020000.db.gz/',
    'notes.txt',
    '',
  ])('rejects the foreign name %j', (name) => {
    expect(parseBackupName(name)).toBeNull();
  });

  it.each(['dnd_game_20260101_020000.db.gz.tmp', 'dnd_game_20260101_020000.XYZ.db.tmp', 'x.tmp', 'dnd_game_20260101_020000.0123abcd.txt.tmp'])(
    'does not take %j for one of its temp files',
    (name) => {
      expect(parseBackupTempName(name)).toBeNull();
    },
  );

  it('refuses sequences it could not parse back', () => {
    expect(() => backupFileName(new Date(), 1000)).toThrow(RangeError);
    expect(() => backupFileName(new Date(), -1)).toThrow(RangeError);
    expect(() => backupFileName(new Date(Number.NaN))).toThrow(RangeError);
  });
});
