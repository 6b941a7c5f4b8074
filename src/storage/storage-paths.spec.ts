import { imageFileName, parseImageFileName, StoragePaths, TEMP_FILE_PATTERN } from './storage-paths.js';

describe('StoragePaths', () => {
  const paths = new StoragePaths('/data/images');
  const id = '3f0c6a4e-9b1d-4c1e-8f00-123456789abc';

  it('builds one path per variant from a uuid', () => {
    expect(paths.variantPath(id, 'full')).toBe(`/data/images/full/${id}.webp`);
    expect(paths.variantPath(id.toUpperCase(), 'thumbnail')).toBe(`/data/images/thumbnails/${id}.webp`);
  });

  it.each(['../../etc/passwd', `${id}/../x`, '', 'abc'])('refuses to build a path from %j', (bad) => {
    expect(() => paths.variantPath(bad, 'full')).toThrow('non-uuid');
  });

  it('names temp files so the cleanup pattern recognises them, and only them', () => {
    const temp = paths.tempPathFor(paths.variantPath(id, 'full'));
    expect(temp).toMatch(TEMP_FILE_PATTERN);
    expect(temp.startsWith(`/data/images/full/${id}.webp.`)).toBe(true);
    expect(paths.tempPathFor('/x')).not.toBe(paths.tempPathFor('/x'));
    expect(`${id}.webp`).not.toMatch(TEMP_FILE_PATTERN);
  });
});

describe('image file names, the same on disk and in a bucket', () => {
  const id = '3f0c6a4e-9b1d-4c1e-8f00-123456789abc';

  it('names each variant under its folder, and reads the names back', () => {
    expect(imageFileName(id, 'full')).toBe(`full/${id}.webp`);
    expect(imageFileName(id.toUpperCase(), 'thumbnail')).toBe(`thumbnails/${id}.webp`);
    expect(parseImageFileName(`thumbnails/${id}.webp`)).toEqual({ imageId: id, variant: 'thumbnail', partial: false });
    expect(parseImageFileName(`full/${id}.webp.0123456789ab.tmp`)).toEqual({ imageId: null, variant: 'full', partial: true });
    expect(parseImageFileName('full/notes.txt')).toEqual({ imageId: null, variant: 'full', partial: false });
  });

  it.each(['backups/db.gz', `.probe/${id}`, `full/sub/${id}.webp`, `${id}.webp`])('is not the store’s: %j', (name) => {
    expect(parseImageFileName(name)).toBeNull();
  });
});
