/**
 * The data file of an issue (`core/data-file.ts`) as files a reader opens: CSV (UTF-8 with a
 * byte order mark, so that Excel reads the Chinese text correctly; d3-dsv, csv-stringify) and an Excel
 * workbook (exceljs: a 「数据」 sheet of every figure, then one sheet per printed table).
 */
import { stringify } from 'csv-stringify/sync';
import { csvFormatRow } from 'd3-dsv';
import type { Style } from 'exceljs';
import type { DataFile } from '../core/data-file.ts';

export { DATA_CSV_TYPE, DATA_XLSX_TYPE, dataFileNames } from '../core/data-file.ts';

/** A plain decimal (or percentage): a spreadsheet reads it as a number, never as a formula. */
const PLAIN_NUMBER = /^-?\d+(\.\d+)?%?$/;
/** First characters a spreadsheet takes as the start of a formula (OWASP, "CSV Injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A CSV cell a spreadsheet shows as text, never runs: a text cell starting with `=`, `+`, `-`,
 * `@`, a tab or a carriage return gets a leading `'` (as OWASP advises); plain numbers (`-3.2`,
 * `-1.2%`) are left as they are. The workbook needs none of this: exceljs writes text cells as
 * text.
 */
export function neutralisedCell(cell: string): string {
  return FORMULA_START.test(cell) && !PLAIN_NUMBER.test(cell) ? `'${cell}` : cell;
}

/** What the data files say about cells that start like a formula (the 说明 sheet, README). */
export const FORMULA_NOTE =
  "CSV 中以 =、+、-、@、制表符或回车开头的文字前加了一个单引号（'），以免电子表格把它当作公式执行（OWASP CSV 注入防护）；纯数字不加。Excel 工作簿中的单元格保持原类型（文字为文字，数字为数字），不加单引号。";

/** What the workbook's 说明 sheet says of the 依据记录 column (core/data-file.ts). */
export const RECORDS_NOTE =
  '依据记录：由多条记录算出的数字（排名、计数、合计、增速等）逐条列出所依据的记录，写作“园区/指标/期别#修订版本”，以“；”分隔；同一指标、同一期别的记录写作“指标/期别：园区#修订版本、园区#修订版本…”。多于两条的记录与前面某一行完全相同时，依据记录和修订版本两栏写“同序号N”（N 为列出这些记录的那一行的序号）。';

/** A line break on its own (not in a CRLF). */
const LONE_BREAK = /\r(?!\n)|(?<!\r)\n/;

const neutralisedRows = (data: DataFile): string[][] =>
  [data.columns, ...data.rows].map((row) => row.map((cell) => neutralisedCell(String(cell))));

/**
 * The figures as CSV: a header line and one line per figure and place, CRLF, with a BOM, by
 * d3-dsv's `csvFormatRow` (RFC 4180): a cell with a comma, a quote (doubled) or any line break
 * — a CRLF, or a lone CR or LF, which a record's source may hold — is quoted, so every row reads
 * back as one row. These are the bytes csv-stringify wrote (`{bom: true, record_delimiter:
 * 'windows'}`) for every file without a lone line break; see {@link legacyDataCsv} for those with
 * one.
 */
export function dataCsv(data: DataFile): Uint8Array {
  const rows = neutralisedRows(data);
  return new TextEncoder().encode(`\uFEFF${rows.map((row) => csvFormatRow(row)).join('\r\n')}\r\n`);
}

/**
 * The CSV as issues released before the fix above carry it: csv-stringify with these options
 * left a cell with a lone CR or LF unquoted (its row splits in a reader). Made only to hand out
 * such an issue's CSV on download, where it must be the bytes its PDF carries (the sha256
 * recorded at release); `undefined` when the file has no lone line break (then it is
 * {@link dataCsv}'s bytes).
 */
export function legacyDataCsv(data: DataFile): Uint8Array | undefined {
  const rows = neutralisedRows(data);
  if (!rows.some((row) => row.some((cell) => LONE_BREAK.test(cell)))) return undefined;
  return new TextEncoder().encode(stringify(rows, { bom: true, record_delimiter: 'windows' }));
}

const INVALID_SHEET = /[[\]:*?/\\]/g;

/** Sheet names are at most 31 characters, unique, without []:*?/\ . */
function sheetNames(captions: string[], taken: Set<string>): string[] {
  return captions.map((caption, i) => {
    const base = (caption.replace(INVALID_SHEET, '·').trim() || `表${i + 1}`).slice(0, 28);
    let name = base;
    for (let n = 2; taken.has(name); n += 1) name = `${base.slice(0, 27)}~${n}`;
    taken.add(name);
    return name;
  });
}

/** The workbook: 「数据」 (every figure with its records and place), then each printed table. */
export async function dataXlsx(data: DataFile): Promise<Uint8Array> {
  const { default: ExcelJS } = await import('exceljs');
  const book = new ExcelJS.Workbook();
  book.creator = 'Torch Bulletin';
  book.title = data.title;
  // Fixed, so that the same data gives the same workbook.
  book.created = new Date(0);
  book.modified = new Date(0);
  const figures = book.addWorksheet('数据', { views: [{ state: 'frozen', ySplit: 1 }] });
  figures.addRow([...data.columns]).font = { bold: true };
  for (const row of data.rows) figures.addRow(row);
  figures.columns.forEach((c, i) => {
    c.width = [6, 10, 8, 36, 16, 24, 22, 20, 8, 16, 16, 8, 8, 18, 8, 48, 40][i] ?? 12;
  });
  const names = sheetNames(
    data.tables.map((t) => t.caption),
    new Set(['数据', '说明']),
  );
  data.tables.forEach((table, i) => {
    const sheet = book.addWorksheet(names[i]!);
    sheet.addRow([table.caption]).font = { bold: true };
    sheet.addRow(table.header).font = { bold: true };
    for (const row of table.rows) sheet.addRow(row);
    sheet.columns.forEach((c) => {
      c.width = 18;
    });
  });
  const note = book.addWorksheet('说明');
  note.addRow(['说明']).font = { bold: true };
  note.addRow([FORMULA_NOTE]);
  note.addRow([RECORDS_NOTE]);
  note.getColumn(1).width = 100;
  // Cells whose style is the same object are styled once: exceljs renders a cell's style to XML to
  // find its id unless it has seen that very object (12 k cells in a zone profile's workbook:
  // 69 → 42 ms). Our cells differ only by their font (bold headers), so one object per font.
  for (const sheet of book.worksheets) {
    const byFont = new Map<unknown, Partial<Style>>();
    sheet.eachRow((row) =>
      row.eachCell((cell) => {
        const shared = byFont.get(cell.style.font);
        if (shared) cell.style = shared;
        else byFont.set(cell.style.font, cell.style);
      }),
    );
  }
  // Deflate level 1: the first download waits for it (level 6 took twice the time for a file a
  // third smaller).
  const buffer = await book.xlsx.writeBuffer({
    zip: { compression: 'DEFLATE', compressionOptions: { level: 1 } },
  } as Parameters<typeof book.xlsx.writeBuffer>[0]);
  return new Uint8Array(buffer as ArrayBuffer);
}
