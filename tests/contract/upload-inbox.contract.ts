/**
 * What every UploadInbox must do (app/ports.ts): read an upload, and move it out of
 * `uploads/` to `ingested/` or `rejected/` with its note beside it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UploadInbox } from '../../functions/app/ports.ts';
import { uniqueName, type Subject } from './local-stores.ts';

/** The inbox, and how a test puts a file into the bucket and looks at one. */
export interface InboxSubject extends Subject<UploadInbox> {
  drop(key: string, bytes: Uint8Array): Promise<void>;
  peek(key: string): Promise<Uint8Array | undefined>;
}

const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);

export function describeUploadInboxContract(
  name: string,
  factory: () => Promise<InboxSubject>,
): void {
  describe(`UploadInbox contract: ${name}`, () => {
    let subject: InboxSubject;
    let inbox: UploadInbox;
    beforeAll(async () => {
      subject = await factory();
      inbox = subject.port;
    });
    afterAll(() => subject?.stop());

    it('reads an upload, and nothing for a key that is gone', async () => {
      const key = `uploads/${uniqueName('统计 数据')}.csv`;
      await subject.drop(key, text('zone,indicator\n'));
      expect(decode(await inbox.read(key))).toBe('zone,indicator\n');
      expect(await inbox.read(`uploads/${uniqueName('gone')}.csv`)).toBeUndefined();
    });

    it('moves an accepted upload to ingested/ with its summary beside it', async () => {
      const name = `${uniqueName('batch')}/Records 2024.csv`;
      const bytes = text('zone,indicator,period,value\n');
      await subject.drop(`uploads/${name}`, bytes);
      const target = await inbox.accept(`uploads/${name}`, bytes, { records: 1 });
      expect(target).toBe(`ingested/${name}`);
      expect(await subject.peek(`uploads/${name}`)).toBeUndefined();
      expect(await subject.peek(target)).toEqual(bytes);
      expect(JSON.parse(decode(await subject.peek(`${target}.summary.json`))!)).toEqual({
        records: 1,
      });
    });

    it('moves a rejected upload to rejected/ with its error report beside it', async () => {
      const name = `${uniqueName('bad')}.csv`;
      const bytes = text('nonsense');
      await subject.drop(`uploads/${name}`, bytes);
      const target = await inbox.reject(`uploads/${name}`, bytes, 'row 1: no header');
      expect(target).toBe(`rejected/${name}`);
      expect(await subject.peek(`uploads/${name}`)).toBeUndefined();
      expect(decode(await subject.peek(`${target}.errors.txt`))).toBe('row 1: no header\n');
    });

    it('refuses keys outside the inbox', async () => {
      for (const key of ['ingested/x.csv', 'uploads/../issues/x.pdf', 'uploads/', 'x.csv']) {
        await expect(inbox.accept(key, text('x'), {})).rejects.toThrow(/不是上传文件的键/);
      }
    });
  });
}
