/**
 * The data file's CSV. Every row reads back as the row it was (RFC 4180: a cell with a comma, a
 * quote or any line break quoted), and for every file without a lone CR or LF it is the same
 * bytes csv-stringify wrote (`{bom: true, record_delimiter: 'windows'}`, every cell neutralised
 * first): a CSV made again on download is checked against the sha256 recorded when its issue was
 * released, so a byte that moved would refuse the download of an issue released before. A file
 * with a lone line break (csv-stringify left such a cell unquoted: its row split in a reader) is
 * quoted now; an issue released with the old bytes still gets them (`legacyDataCsv`).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { csvParseRows } from 'd3-dsv';
import { dataCsv, legacyDataCsv, neutralisedCell } from '../../functions/app/data-export.ts';
import { checkedCsv } from '../../functions/app/data-download.ts';
import { sha256Hex } from '../../functions/core/digest.ts';
import { DATA_COLUMNS, type DataFile, type DataRow } from '../../functions/core/data-file.ts';
import { TamperedObjectError } from '../../functions/errors.ts';

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
const lone = ['\r', '\n', 'x\r', '\n\r'];
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
/** The rows a CSV reader gets back (RFC 4180), the BOM and the last CRLF off. */
const readBack = (csv: Uint8Array): string[][] =>
  csvParseRows(new TextDecoder('utf-8', { ignoreBOM: true }).decode(csv).slice(1, -2));

describe('the data CSV', () => {
  it('is byte for byte what csv-stringify wrote, for any cells without a lone line break', () => {
    const rows = fc.array(fc.array(cellOf([...chars, ...unusual]), { maxLength: 20 }), {
      maxLength: 12,
    });
    fc.assert(fc.property(rows, sameBytes), { numRuns: 1500 });
  });

  it('reads back as the rows it was written from, lone CRs and LFs included', () => {
    const rows = fc.array(
      // Two cells at least: a row of one empty cell is an empty line (the file's rows have 17).
      fc.array(cellOf([...chars, ...unusual, ...lone]), { minLength: 2, maxLength: 6 }),
      { maxLength: 4 },
    );
    fc.assert(
      fc.property(rows, (rs) => {
        const file = fileOf(rs);
        expect(readBack(dataCsv(file))).toEqual([
          [...DATA_COLUMNS],
          ...rs.map((r) => r.map((c) => neutralisedCell(String(c)))),
        ]);
      }),
      { numRuns: 1500 },
    );
  });

  it("an issue released with csv-stringify's bytes for a lone line break still gets them on download", () => {
    const rows = fc.array(fc.array(cellOf([...chars, ...unusual, ...lone]), { maxLength: 6 }), {
      maxLength: 4,
    });
    fc.assert(
      fc.property(rows, (rs) => {
        const file = fileOf(rs);
        const old = csvStringifyBytes(file);
        const legacy = legacyDataCsv(file);
        // Only a file with a lone break has other bytes; they are csv-stringify's.
        if (legacy) expect(Buffer.from(legacy).equals(old)).toBe(true);
        else expect(Buffer.from(dataCsv(file)).equals(old)).toBe(true);
        expect(Buffer.from(checkedCsv(file, 'k', sha256Hex(old))).equals(old)).toBe(true);
        expect(Buffer.from(checkedCsv(file, 'k', sha256Hex(dataCsv(file))))).toEqual(
          Buffer.from(dataCsv(file)),
        );
      }),
      { numRuns: 1500 },
    );
    const file = fileOf([['a\nb', 'c']]);
    expect(() => checkedCsv(file, 'k', sha256Hex(new TextEncoder().encode('other')))).toThrow(
      TamperedObjectError,
    );
    expect(() => checkedCsv(file, 'k', undefined)).toThrow(TamperedObjectError);
  });

  it('quotes and neutralises as before on the cells that need it', () => {
    const rows = [['a,b', 'say "hi"', 'two\r\nlines', '=1+2', '-2.5', '-x', '', 3, -1.5]];
    sameBytes(rows);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(dataCsv(fileOf(rows)));
    expect(text.startsWith('\uFEFF序号,')).toBe(true);
    expect(
      text.endsWith('\r\n"a,b","say ""hi""","two\r\nlines",\'=1+2,-2.5,\'-x,,3,-1.5\r\n'),
    ).toBe(true);
    // A cell with a lone line break is quoted (csv-stringify left it bare: its row split).
    const broken = [['a\nb', 'c\rd', 'e,f']];
    expect(new TextDecoder().decode(dataCsv(fileOf(broken)))).toMatch(
      /\r\n"a\nb","c\rd","e,f"\r\n$/,
    );
  });
});
