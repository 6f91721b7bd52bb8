/**
 * What every Archive must do (app/ports.ts): keep the bytes it is given under a key, with
 * their sha256, file name and type, and hand out a download link that works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Archive } from '../../functions/app/ports.ts';
import { sha256Hex } from '../../functions/core/digest.ts';
import { uniqueName, type Subject } from './local-stores.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

export function describeArchiveContract(
  name: string,
  factory: () => Promise<Subject<Archive>>,
): void {
  describe(`Archive contract: ${name}`, () => {
    let subject: Subject<Archive>;
    let archive: Archive;
    beforeAll(async () => {
      subject = await factory();
      archive = subject.port;
    });
    afterAll(() => subject?.stop());

    it('stores bytes and returns them with their sha256, name and type', async () => {
      const key = `issues/${uniqueName('contract')}.pdf`;
      const body = bytes('%PDF-1.7 contract');
      const { sha256 } = await archive.put(key, body, {
        fileName: '火炬动态-2026-第1期.pdf',
        metadata: { issue: 'contract-1' },
      });
      expect(sha256).toBe(sha256Hex(body));
      expect(await archive.get(key)).toEqual(body);
      const head = await archive.head(key);
      expect(head).toMatchObject({ key, bytes: body.byteLength, sha256 });
      expect(head?.contentType).toBe('application/pdf');
      expect(head?.contentDisposition).toContain("filename*=UTF-8''");
    });

    it('takes the sha256 a caller has computed already, and refuses a body that does not match it', async () => {
      const key = `issues/${uniqueName('given')}.pdf`;
      const body = bytes('%PDF-1.7 given');
      const sha256 = sha256Hex(body);
      expect(await archive.put(key, body, { fileName: 'given.pdf', sha256 })).toEqual({ sha256 });
      expect(await archive.head(key)).toMatchObject({ sha256 });
      // A hash that is not the body's: nothing stored under the key.
      const wrong = `issues/${uniqueName('wrong')}.pdf`;
      await expect(
        archive.put(wrong, bytes('%PDF-1.7 other'), { fileName: 'wrong.pdf', sha256 }),
      ).rejects.toThrow(/无法存入/);
      expect(await archive.head(wrong)).toBeUndefined();
    });

    it('answers undefined for a key it does not hold', async () => {
      const key = `issues/${uniqueName('absent')}.pdf`;
      expect(await archive.get(key)).toBeUndefined();
      expect(await archive.head(key)).toBeUndefined();
    });

    it('refuses keys that look like paths out of the archive', async () => {
      for (const key of ['../escape.pdf', '/abs.pdf', 'a//b.pdf', 'Upper/Case.pdf']) {
        await expect(archive.put(key, bytes('x'), { fileName: 'x.pdf' })).rejects.toThrow(
          /不安全的对象键/,
        );
      }
    });

    it('hands out a download link that returns the bytes', async () => {
      const key = `issues/${uniqueName('link')}.pdf`;
      const body = bytes('%PDF-1.7 link');
      await archive.put(key, body, { fileName: 'link.pdf' });
      const url = await archive.presignDownload(key, { fileName: 'link.pdf', ttlSeconds: 60 });
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(body);
      expect(res.headers.get('content-disposition')).toContain('link.pdf');
    });
  });
}
