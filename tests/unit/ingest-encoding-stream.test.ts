/**
 * A CSV file that is not plainly UTF-8 (GBK, a declared --encoding, bytes to refuse) is read as a
 * stream like any other (functions/core/ingest-parse.ts `detectInput`): its encoding is decided
 * in one pass and its text decoded chunk by chunk. Whatever the chunks — here a byte at a time,
 * so that every multi-byte character and every line is split — the verdict is decodeInput's
 * on the whole file, and the records are those of the file read at once.
 */
import { describe, expect, it } from 'vitest';
import {
  bytesSource,
  decodeInput,
  parseRecordFile,
  type ByteSource,
  type InputEncoding,
} from '../../functions/core/ingest-parse.ts';
import { referenceData } from '../../functions/app/reference-data.ts';

const ref = referenceData();
const HEADER = 'zone,indicator,period,value,unit,yoy,share,source';
const utf8 = (text: string) => new TextEncoder().encode(text);
/** GBK bytes of a text (GB18030 is a superset); TextEncoder only writes UTF-8. */
function gbk(text: string): Uint8Array {
  const table = new Map<string, number[]>();
  const decoder = new TextDecoder('gb18030');
  for (let hi = 0x81; hi <= 0xfe; hi++)
    for (let lo = 0x40; lo <= 0xfe; lo++) {
      if (lo === 0x7f) continue;
      table.set(decoder.decode(new Uint8Array([hi, lo])), [hi, lo]);
    }
  return new Uint8Array(
    [...text].flatMap((ch) => (ch.charCodeAt(0) < 0x80 ? [ch.charCodeAt(0)] : table.get(ch)!)),
  );
}
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
/** The bytes a byte at a time. */
const byteByByte = (bytes: Uint8Array): ByteSource =>
  async function* () {
    for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
  };

const row = (source: string, year = 2031) => `zhongguancun,gdp-growth,${year},5.5,%,,,${source}\n`;

const cases: { name: string; bytes: Uint8Array; declared?: InputEncoding }[] = [
  {
    name: 'gbk with Chinese',
    bytes: gbk(`${HEADER}\n${row('工业和信息化部 通知')}${row('火炬中心', 2032)}`),
  },
  // Every non-ASCII pair of this GBK line is also valid 2-byte UTF-8.
  { name: 'gbk that is valid utf-8', bytes: gbk(`${HEADER}\n${row('MIIT 2030 通知 摘要')}`) },
  { name: 'gbk, no final newline', bytes: gbk(`${HEADER}\n${row('通知').trimEnd()}`) },
  { name: 'gbk declared', bytes: gbk(`${HEADER}\n${row('统计公报')}`), declared: 'gb18030' },
  {
    name: 'utf-8 declared gb18030',
    bytes: utf8(`${HEADER}\n${row('统计公报')}`),
    declared: 'gb18030',
  },
  {
    name: 'gbk declared utf-8',
    bytes: gbk(`${HEADER}\n${row('ok')}${row('统计公报', 2032)}`),
    declared: 'utf-8',
  },
  {
    name: 'utf-8 Chinese lines mixed with a gbk line',
    bytes: concat(utf8(`${HEADER}\n${row('统计公报')}`), gbk(row('通知', 2032))),
  },
  {
    name: 'bytes neither utf-8 nor gb18030 on line 3',
    bytes: concat(utf8(`${HEADER}\n${row('ok')}`), new Uint8Array([0xff, 0x0a])),
  },
  {
    name: 'utf-8 BOM then gbk',
    bytes: concat(new Uint8Array([0xef, 0xbb, 0xbf]), gbk(`${HEADER}\n${row('通知')}`)),
  },
  { name: 'utf-16 BOM', bytes: concat(new Uint8Array([0xff, 0xfe]), utf8(`${HEADER}\n`)) },
];

describe('a CSV file not plainly UTF-8, read as a stream', () => {
  it.each(cases)('$name: decodeInput’s verdict, whatever the chunks', async (c) => {
    const opts = c.declared ? { encoding: c.declared } : {};
    const whole = decodeInput('f.csv', c.bytes, c.declared);
    const once = await parseRecordFile('f.csv', bytesSource(c.bytes), ref, opts);
    const streamed = await parseRecordFile('f.csv', byteByByte(c.bytes), ref, opts);

    expect(streamed).toEqual(once);
    if (whole.problem) expect(streamed.problems).toEqual([whole.problem]);
    else {
      expect(streamed.encoding).toBe(whole.encoding);
      expect(streamed.problems).toEqual([]);
      expect(streamed.records.map((r) => r.source)).toEqual(
        whole
          .text!.trim()
          .split('\n')
          .slice(1)
          .map((l) => l.split(',').at(-1)),
      );
    }
  });
});
