/**
 * A release's parts in one object (`app/release-parts.ts`): each part read back as put, checked
 * against its own sha256; a part stored on its own by an earlier release read as before; an
 * object that is not a parts object, or a part that differs, refused.
 */
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../functions/core/digest.ts';
import { TamperedObjectError } from '../../functions/errors.ts';
import { packBytes, packJson } from '../../functions/app/packed-json.ts';
import type { Archive } from '../../functions/app/ports.ts';
import { isPartsKey, packParts, partBytes, storedPart } from '../../functions/app/release-parts.ts';

/** An archive of the objects in `objects` (what `get` reads; nothing else is used). */
const archiveOf = (objects: Record<string, Uint8Array>): Archive =>
  ({ get: (key: string) => Promise.resolve(objects[key]) }) as unknown as Archive;

const KEY = 'issues/zone-profile/2026/zone-profile-7-0123456789abcdef-parts.bin';
const html = '<!DOCTYPE html><title>网页版</title><p>园区生产总值</p>'.repeat(40);
const web = packBytes(Buffer.from(html));
const cover = packJson({ html: '<p>封面</p>', width: 300 });
const data = packJson({ title: '数据', rows: [[1, '武汉东湖', 1.5]] });

describe('a release parts object', () => {
  it('gives back each part as put, and none it does not hold', () => {
    const whole = packParts({ web, data, cover });
    expect(isPartsKey(KEY)).toBe(true);
    expect(isPartsKey(KEY.replace('-parts.bin', '.html.br'))).toBe(false);
    expect(Buffer.from(partBytes(KEY, whole, 'web')!).equals(Buffer.from(web))).toBe(true);
    expect(Buffer.from(partBytes(KEY, whole, 'data')!).equals(Buffer.from(data))).toBe(true);
    expect(Buffer.from(partBytes(KEY, whole, 'cover')!).equals(Buffer.from(cover))).toBe(true);
    expect(partBytes(KEY, packParts({ web }), 'cover')).toBeUndefined();
    // One put's worth of bytes: the parts and a header of one line.
    expect(whole.byteLength - web.byteLength - data.byteLength - cover.byteLength).toBeLessThan(80);
  });

  it('reads a part decompressed, checked against its own sha256', async () => {
    const archive = archiveOf({ [KEY]: packParts({ web, data, cover }) });
    const page = await storedPart(archive, KEY, 'web', sha256Hex(web));
    expect(Buffer.from(page).toString()).toBe(html);
    const json = await storedPart(archive, KEY, 'data', sha256Hex(data));
    expect(JSON.parse(Buffer.from(json).toString())).toEqual({
      title: '数据',
      rows: [[1, '武汉东湖', 1.5]],
    });
    // The sha256 of another part, or none recorded: refused.
    await expect(storedPart(archive, KEY, 'web', sha256Hex(data))).rejects.toThrow(
      /部件 web 与目录 \(catalog\) 记录不符/,
    );
    await expect(storedPart(archive, KEY, 'web', undefined)).rejects.toBeInstanceOf(
      TamperedObjectError,
    );
    await expect(storedPart(archive, `${KEY}x`, 'web', sha256Hex(web))).rejects.toThrow(
      /存档 \(archive\) 中没有/,
    );
  });

  it('refuses one part altered and serves the others', async () => {
    const altered = Buffer.from(cover);
    altered.writeUInt8(altered.readUInt8(altered.byteLength - 1) ^ 1, altered.byteLength - 1);
    const archive = archiveOf({ [KEY]: packParts({ web, data, cover: altered }) });
    await expect(storedPart(archive, KEY, 'cover', sha256Hex(cover))).rejects.toBeInstanceOf(
      TamperedObjectError,
    );
    expect(Buffer.from(await storedPart(archive, KEY, 'web', sha256Hex(web))).toString()).toBe(
      html,
    );
  });

  it('refuses bytes that are not a parts object, or end before a part does', async () => {
    const whole = packParts({ web, data });
    for (const bytes of [
      whole.subarray(0, 20),
      new TextEncoder().encode('{"parts":{"web":[0,5],"x":[1,1]}}\nabcdef'),
      new TextEncoder().encode('<!DOCTYPE html>\n'),
      web,
    ])
      expect(() => partBytes(KEY, bytes, 'web'), Buffer.from(bytes).toString()).toThrow(
        /不是发布的部件文件/,
      );
    expect(() => partBytes(KEY, whole.subarray(0, whole.byteLength - 1), 'data')).toThrow(
      /超出文件末尾/,
    );
    const archive = archiveOf({ [KEY]: whole.subarray(0, whole.byteLength - 1) });
    await expect(storedPart(archive, KEY, 'data', sha256Hex(data))).rejects.toBeInstanceOf(
      TamperedObjectError,
    );
  });

  it('reads a part an earlier release stored on its own, compressed or not, as before', async () => {
    const own = KEY.replace('-parts.bin', '.html.br');
    const plain = KEY.replace('-parts.bin', '-data.json');
    const text = new TextEncoder().encode('{"rows":[]}');
    const archive = archiveOf({ [own]: web, [plain]: text });
    expect(Buffer.from(await storedPart(archive, own, 'web', sha256Hex(web))).toString()).toBe(
      html,
    );
    expect(
      Buffer.from(await storedPart(archive, plain, 'data', sha256Hex(text))).equals(
        Buffer.from(text),
      ),
    ).toBe(true);
    await expect(storedPart(archive, own, 'web', sha256Hex(text))).rejects.toBeInstanceOf(
      TamperedObjectError,
    );
  });
});
