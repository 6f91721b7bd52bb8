/**
 * Every name a release or a draft writes into the archive, in one place: the sweep removes what
 * no catalog entry points at only among names it knows, so a name written here and not known
 * there would be left for ever (issue 26.6: `-data.csv`, `-data.xlsx` and `-cover.png` were).
 */

/** The objects a release stores, by the suffix that replaces its PDF's `.pdf`. */
export const RELEASE_PARTS = {
  pdf: '.pdf',
  /**
   * The web edition, what the cover is made from on its first request and the data file (the
   * CSV downloads and the workbook are made from it), each brotli-compressed, in one object
   * (`release-parts.ts`); the catalog records each one's sha256.
   */
  parts: '-parts.bin',
} as const;

/**
 * Parts that releases of earlier versions wrote beside the PDF (still theirs to sweep): the
 * web edition, the cover's source and the data file each on its own, compressed (`.br`, until
 * session 14 put them in one object) and before that uncompressed; the workbook and the cover,
 * now made on first request; the CSV, now made from the data file on every download.
 */
const EARLIER_PARTS = [
  '.html.br',
  '-cover.json.br',
  '-data.json.br',
  '-data.xlsx',
  '-cover.png',
  '-data.csv',
  '-data.json',
  '-cover.json',
  '.html',
];

export type ReleasePart = keyof typeof RELEASE_PARTS;

/** The key of a draft's web edition, from its PDF's key (`…-<sha>.html`, not compressed). */
export function draftWebKey(pdfKey: string): string {
  return pdfKey.replace(/\.pdf$/, '.html');
}

/** The key of a part of a release, from its PDF's key. */
export function partKey(pdfKey: string, part: ReleasePart): string {
  return pdfKey.replace(/\.pdf$/, RELEASE_PARTS[part]);
}

const SUFFIXES = [...Object.values(RELEASE_PARTS), ...EARLIER_PARTS]
  .map((s) => s.replace(/[.-]/g, '\\$&'))
  .join('|');
const ISSUE_KEY = new RegExp(
  `^issues/[^/]+/\\d{4}/(.+?-\\d+)(?:-e\\d+)?-[0-9a-f]{16}(?:${SUFFIXES})$`,
);
/** A workbook made on a first download (`data-download.ts`): the data file's name + its sha256. */
const WORKBOOK_KEY =
  /^workbooks\/[^/]+\/\d{4}\/(.+?-\d+)(?:-e\d+)?-[0-9a-f]{16}-data-[0-9a-f]{16}\.xlsx$/;
/** A cover made on a first request (`issue-cover.ts`): its source's name + the PNG's sha256. */
const COVER_KEY =
  /^covers\/[^/]+\/\d{4}\/(.+?-\d+)(?:-e\d+)?-[0-9a-f]{16}-cover-[0-9a-f]{16}\.png$/;
/** A draft's PDF and, beside it, its web edition (`.html`). */
const DRAFT_KEY = /^drafts\/[^/]+\/(.+)-[0-9a-f]{16}\.(?:pdf|html)$/;
/** An embargo's files printed ahead: named by the draft, a random seal and the content. */
const SEALED_KEY = new RegExp(
  `^issues/[^/]+/\\d{4}/(.+?-d[0-9a-f]{10})-s[0-9a-f]{16}-[0-9a-f]{16}(?:${SUFFIXES})$`,
);
const SEALED_WORKBOOK_KEY =
  /^workbooks\/[^/]+\/\d{4}\/(.+?-d[0-9a-f]{10})-s[0-9a-f]{16}-[0-9a-f]{16}-data-[0-9a-f]{16}\.xlsx$/;
const SEALED_COVER_KEY =
  /^covers\/[^/]+\/\d{4}\/(.+?-d[0-9a-f]{10})-s[0-9a-f]{16}-[0-9a-f]{16}-cover-[0-9a-f]{16}\.png$/;

/**
 * The PDF key of an embargoed release printed ahead of its second: under `issues/` (where a
 * release's files live), but named by its draft, a random seal (`seal`, 16 hex) and its content,
 * never by the issue id — nothing a reader could guess before the catalog lists it.
 * @example sealedKey({ series: 'torch-bulletin', year: 2026, draftId: 'torch-bulletin-d0123456789', seal: '00112233445566ff' }, sha256)
 *   // 'issues/torch-bulletin/2026/torch-bulletin-d0123456789-s00112233445566ff-<16 hex>.pdf'
 */
export function sealedKey(
  target: { series: string; year: number; draftId: string; seal: string },
  sha256: string,
): string {
  return `issues/${target.series}/${target.year}/${target.draftId}-s${target.seal}-${sha256.slice(0, 16)}.pdf`;
}

/**
 * Whose an archive key is: the issue or draft whose name it carries (`sealed`: an embargo's
 * files printed ahead, the draft's until it is released, then its issue's), or undefined when
 * it is not a name we write (then it is left alone).
 * @example archiveKeyOwner('issues/torch-bulletin/2026/torch-bulletin-551-0123456789abcdef-data.csv')
 *   // { issueId: 'torch-bulletin-551' }
 */
export function archiveKeyOwner(
  key: string,
): { issueId: string } | { draftId: string; sealed?: true } | undefined {
  const sealed =
    SEALED_KEY.exec(key) ?? SEALED_WORKBOOK_KEY.exec(key) ?? SEALED_COVER_KEY.exec(key);
  if (sealed) return { draftId: sealed[1]!, sealed: true };
  const draft = DRAFT_KEY.exec(key);
  if (draft) return { draftId: draft[1]! };
  const issue = ISSUE_KEY.exec(key) ?? WORKBOOK_KEY.exec(key) ?? COVER_KEY.exec(key);
  return issue ? { issueId: issue[1]! } : undefined;
}
