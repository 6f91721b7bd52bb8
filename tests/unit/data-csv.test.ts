/**
 * The data file's CSV is the same bytes csv-stringify wrote (`{bom: true, record_delimiter:
 * 'windows'}`, every cell neutralised first): a CSV made again on download is checked against the
 * sha256 recorded when its issue was released, so a byte that moved would refuse the download of
 * an issue released before.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { dataCsv, neutralisedCell } from '../../functions/app/data-export.ts';
import { DATA_COLUMNS, type DataFile, type DataRow } from '../../functions/core/data-file.ts';

/** What `dataCsv` wrote with csv-stringify alone (until session 12 of issue 27). */
function csvStringifyBytes(data: DataFile): Buffer {
  const cells = [[...data.columns], ...data.rows.map((r) => r.map(String))];
  return Buffer.from(
    stringify(
      cells.map((r) => r.map(neutralisedCell)),
      { bom: true, record_delimiter: 'windows' },
    ),
  );
}

const fileOf = (rows: DataRow[]): DataFile =>
  ({ columns: DATA_COLUMNS, rows, tables: [], title: 't' }) as unknown as DataFile;

// Characters that decide quoting and neutralising, and some that must pass as they are.
const chars = [',', '"', '\t', '=', '+', '-', '@', "'", ' ', ';', 'a', '1', '.', '%', '\r\n', '""'];
const unusual = ['中', '园区', '\u2028', '\uFEFF', '＝', 'é', '\u0000'];
const cellOf = (units: string[]) =>
  fc.oneof(
    fc.string({ unit: fc.constantFrom(...units), maxLength: 12 }),
    fc.double({ noNaN: true }),
    fc.integer({ min: -1e6, max: 1e6 }),
    fc.constant(''),
  );
const sameBytes = (rows: DataRow[]) => {
  const file = fileOf(rows);
  expect(Buffer.from(dataCsv(file)).equals(csvStringifyBytes(file))).toBe(true);
};

describe('the data CSV', () => {
  it('is byte for byte what csv-stringify wrote, for any cells without a lone line break', () => {
    const rows = fc.array(fc.array(cellOf([...chars, ...unusual]), { maxLength: 20 }), {
      maxLength: 12,
    });
    fc.assert(fc.property(rows, sameBytes), { numRuns: 1500 });
  });

  it('… and with lone CRs and LFs in cells (which csv-stringify leaves unquoted)', () => {
    const rows = fc.array(
      fc.array(cellOf([...chars, ...unusual, '\r', '\n', 'x\r', '\n\r']), { maxLength: 6 }),
      { maxLength: 4 },
    );
    fc.assert(fc.property(rows, sameBytes), { numRuns: 1500 });
  });

  it('quotes and neutralises as before on the cells that need it', () => {
    const rows = [['a,b', 'say "hi"', 'two\r\nlines', '=1+2', '-2.5', '-x', '', 3, -1.5]];
    sameBytes(rows);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(dataCsv(fileOf(rows)));
    expect(text.startsWith('\uFEFF序号,')).toBe(true);
    expect(
      text.endsWith('\r\n"a,b","say ""hi""","two\r\nlines",\'=1+2,-2.5,\'-x,,3,-1.5\r\n'),
    ).toBe(true);
    // A lone line break in a cell is left unquoted, as csv-stringify wrote it.
    const lone = [['a\nb', 'c\rd', 'e,f']];
    sameBytes(lone);
    expect(new TextDecoder().decode(dataCsv(fileOf(lone)))).toMatch(/\r\na\nb,c\rd,"e,f"\r\n$/);
  });
});
