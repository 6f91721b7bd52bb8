/**
 * The data files of a released issue as a download hands them out (the API's
 * `/bulletins/:id/data.csv|xlsx`, the CLI's `bulletin data`). The release stores the data
 * file only (JSON, brotli-compressed: `packed-json.ts`, the `data` part of its parts object
 * `-parts.bin`, `release-parts.ts`; its own `-data.json.br`, or plain JSON, before), with the
 * sha256 of the CSV it attached inside the PDF. The CSV is made from
 * that JSON on every download (`dataCsv`, deterministic: the bytes the PDF carries) and served
 * only when its sha256 is the one recorded — a JSON that differs from its record, or a CSV made
 * differently, is refused as a tampered stored file is. Issues released before stored the CSV
 * beside the PDF (`dataKeys.csv`) and are served from it. The first download makes
 * the workbook from it (exceljs, no browser: on AWS the API function), stores it under
 * `workbooks/` named by its content and records its key and sha256 in the catalog, once —
 * every later download serves those bytes, checked against that sha256 like every other file.
 * Two first downloads at once both make one; the catalog keeps the first recorded, and the
 * other serves that one (exceljs's zip carries the time it was written, so the two differ).
 */
import { sha256Hex } from '../core/digest.ts';
import type { DataFile } from '../core/data-file.ts';
import { DATA_XLSX_TYPE, dataFileNames } from '../core/data-file.ts';
import type { Issue } from '../core/model.ts';
import { ARCHIVE_BUCKET } from '../contract/stores.ts';
import { NotFoundError } from '../errors.ts';
import { TamperedObjectError } from '../errors.ts';
import { dataCsv, dataXlsx, legacyDataCsv } from './data-export.ts';
import { storedPart } from './release-parts.ts';
import type { Archive, IssueCatalog } from './ports.ts';
import { verifiedBytes } from './verified-download.ts';

export { DATA_CSV_TYPE, DATA_XLSX_TYPE, dataFileNames } from '../core/data-file.ts';

/** Where the workbook made from `jsonKey` is kept: under `workbooks/`, named by its sha256. */
export function workbookKey(jsonKey: string, sha256: string): string {
  const rest = jsonKey.startsWith(ARCHIVE_BUCKET.issuesPrefix)
    ? jsonKey.slice(ARCHIVE_BUCKET.issuesPrefix.length)
    : jsonKey;
  return `${ARCHIVE_BUCKET.workbooksPrefix}${rest.replace(/(?:-data\.json(?:\.br)?|-parts\.bin)$/, '')}-data-${sha256.slice(0, 16)}.xlsx`;
}

/** The data file as stored at release, checked against its recorded sha256 first. */
async function storedDataFile(
  archive: Archive,
  key: string,
  sha256: string | undefined,
): Promise<DataFile> {
  const json = await storedPart(archive, key, 'data', sha256);
  try {
    return JSON.parse(new TextDecoder().decode(json)) as DataFile;
  } catch (err) {
    throw new TamperedObjectError(
      'archive',
      `${key} 不是数据文件：${err instanceof Error ? err.message.slice(0, 200) : String(err)}`,
    );
  }
}

/**
 * The CSV made from the stored data file, handed out only when it is the CSV the PDF carries:
 * its sha256 the one recorded at release. An issue released before lone line breaks were quoted
 * carries csv-stringify's bytes for a file with one (`legacyDataCsv`): those, when they are the
 * ones recorded.
 * @throws TamperedObjectError when it differs (or none was recorded).
 */
export function checkedCsv(
  data: DataFile,
  jsonKey: string,
  expected: string | undefined,
): Uint8Array {
  const csv = dataCsv(data);
  const sha256 = sha256Hex(csv);
  if (expected && sha256 === expected) return csv;
  const legacy = expected ? legacyDataCsv(data) : undefined;
  if (legacy && sha256Hex(legacy) === expected) return legacy;
  throw new TamperedObjectError(
    'archive',
    `由 ${jsonKey} 生成的 CSV 与目录 (catalog) 记录不符：sha256 ${sha256}（${csv.byteLength} 字节），应为 ${expected ?? '（未记录）'}；拒绝提供此文件`,
  );
}

/**
 * The bytes of a released issue's data file in `format`, checked against the sha256 its catalog
 * record holds (the CSV made from the stored data file, unless stored at release); the
 * workbook made and recorded first if it never was.
 * @throws NotFoundError when the issue is not released or has no data file;
 *   TamperedObjectError when a stored file differs from its record.
 */
export async function issueDataBytes(
  deps: { archive: Archive; catalog: Pick<IssueCatalog, 'recordWorkbook'> },
  issue: Issue,
  format: 'csv' | 'xlsx',
): Promise<Uint8Array> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const keys = issue.status === 'published' ? issue.dataKeys : undefined;
    if (!keys) break;
    // Released before the CSV was made on download: served as stored.
    if (format === 'csv' && keys.csv)
      return verifiedBytes(deps.archive, keys.csv, { sha256: keys.sha256?.csv });
    if (format === 'xlsx' && keys.xlsx)
      return verifiedBytes(deps.archive, keys.xlsx, { sha256: keys.sha256?.xlsx });
    if (!keys.json) break;
    const data = await storedDataFile(deps.archive, keys.json, keys.sha256?.json);
    if (format === 'csv') return checkedCsv(data, keys.json, keys.sha256?.csv);
    const bytes = await dataXlsx(data);
    const sha256 = sha256Hex(bytes);
    const key = workbookKey(keys.json, sha256);
    await deps.archive.put(key, bytes, {
      fileName: dataFileNames(issue.fileName ?? `${issue.id}.pdf`).xlsx,
      contentType: DATA_XLSX_TYPE,
      metadata: { issue: issue.id },
    });
    const now = await deps.catalog.recordWorkbook(issue.id, { json: keys.json, xlsx: key, sha256 });
    if (now?.dataKeys?.xlsx === key && now.dataKeys.sha256?.xlsx === sha256) return bytes;
    // Another download recorded its workbook first, or the issue changed meanwhile (corrected,
    // withdrawn): serve what the catalog now says.
    if (!now) break;
    issue = now;
  }
  throw new NotFoundError('data', `${issue.id} 这一期没有数据文件`);
}
