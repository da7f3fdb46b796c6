import { decodeCursor, encodeCursor } from '../../src/shared/cursor';
import { pageRequest, selectAliases, uuidArray } from '../../src/shared/pagination';
import { escapeLike, normaliseText, utf8Bytes } from '../../src/shared/text';

describe('cursors', () => {
  it('round-trip a position and stay URL-safe', () => {
    const cursor = encodeCursor({ order: 'model:NAME', value: 'phan loai rac', id: '0b5c8a52-1111-4222-8333-444455556666' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, 'model:NAME')).toEqual({ order: 'model:NAME', value: 'phan loai rac', id: '0b5c8a52-1111-4222-8333-444455556666' });
  });

  it('refuse garbage and cursors of another ordering with BAD_USER_INPUT', () => {
    expect(() => decodeCursor('not-a-cursor', 'model:NAME')).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
    );
    const forgedNull = Buffer.from(JSON.stringify(['model:NAME', null, 'x'])).toString('base64url');
    expect(() => decodeCursor(forgedNull, 'model:NAME')).toThrow(/not a cursor this API issued/);
    const other = encodeCursor({ order: 'model:CREATED_AT', value: '2024-01-01', id: 'x' });
    expect(() => decodeCursor(other, 'model:NAME')).toThrow(/ordering model:CREATED_AT/);
  });
});

describe('page requests', () => {
  it('default to the default size and refuse sizes over the cap', () => {
    expect(pageRequest({}, 'o', 20, 100)).toEqual({ limit: 20, backwards: false, after: null });
    expect(() => pageRequest({ first: 101 }, 'o', 20, 100)).toThrow(/between 0 and 100/);
    expect(() => pageRequest({ first: -1 }, 'o', 20, 100)).toThrow(/between 0 and 100/);
    expect(() => pageRequest({ first: 1, last: 1 }, 'o', 20, 100)).toThrow(/either `first` or `last`/);
  });

  it('page backwards with last/before', () => {
    const before = encodeCursor({ order: 'o', value: 'b', id: 'id-b' });
    expect(pageRequest({ last: 5, before }, 'o', 20, 100)).toEqual({ limit: 5, backwards: true, after: { value: 'b', id: 'id-b' } });
  });
});

describe('parent ids of a nested page', () => {
  const a = '0b5c8a52-1111-4222-8333-444455556666';
  const b = 'AB5C8A52-1111-4222-8333-444455556666';
  it('go as one uuid[] literal when each is a UUID', () => {
    expect(uuidArray([a, b])).toBe(`{${a},${b}}`);
    expect(uuidArray([])).toBe('{}');
  });

  it('go as the array when any is not (quoted and escaped by pg, refused by PostgreSQL as before)', () => {
    for (const ids of [[a, 'NULL'], [`${a},${a}`], [a, `${a.slice(0, 35)}"`], [a, ''], [` ${a}`]]) expect(uuidArray(ids)).toBe(ids);
  });
});

describe('text normalising', () => {
  it('folds Vietnamese diacritics and đ/Đ', () => {
    expect(normaliseText('Phân loại rác')).toBe('phan loai rac');
    expect(normaliseText('Đoàn thanh niên')).toBe('doan thanh nien');
    expect(normaliseText('  Hòm thư góp ý  217 - 218 ')).toBe('hom thu gop y 217 - 218');
    expect(normaliseText('Ngân hàng máu sống')).toBe('ngan hang mau song');
  });

  it('escapes LIKE wildcards', () => {
    expect(escapeLike('50%_off\\')).toBe('50\\%\\_off\\\\');
  });
});

describe('utf8Bytes', () => {
  it('gives the bytes Buffer.from gives, for short and long text, characters beyond the BMP and lone surrogates', () => {
    const texts = [
      '',
      'Tổ dân phố',
      'Tổ dân phố Đồng Xoài — “Dân vận khéo” '.repeat(200),
      '{"data":{"name":"Ấp 😀 𝕏"}}'.repeat(300),
      'plain ascii '.repeat(500),
      // ICU refuses these; Buffer.from writes U+FFFD for each
      `${'a'.repeat(3000)}\ud800${'ế'.repeat(10)}`,
      `${'b'.repeat(3000)}\udc00`,
    ];
    for (const text of texts) expect(utf8Bytes(text).equals(Buffer.from(text, 'utf8'))).toBe(true);
    expect(utf8Bytes(`${'a'.repeat(3000)}\ud800`).subarray(-3)).toEqual(Buffer.from([0xef, 0xbf, 0xbd]));
  });
});

describe('select lists of a page', () => {
  it('name their columns in order, past commas and parentheses inside expressions and string literals', () => {
    const select = `m.id AS "id", coalesce(m.name, 'a, b (c') AS "name", (SELECT json_build_object('n', lo.name, 'k', 'x''y,') FROM o lo WHERE lo.id = m.id LIMIT 1) AS "__lead"`;
    expect(selectAliases(select)).toEqual(['id', 'name', '__lead']);
    expect(selectAliases('o.id AS "id"')).toEqual(['id']);
  });

  it('give no names when an item has none in quotes (the rows then come as JSON objects)', () => {
    expect(selectAliases('m.id AS "id", m.name')).toBeNull();
    expect(selectAliases('m.id AS "id", upper(m.name) AS name')).toBeNull();
    expect(selectAliases('m.id AS "id", (m.name AS "name"')).toBeNull();
  });
});
