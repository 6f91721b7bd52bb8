/**
 * The domain types shared by every layer. Validation schemas (zod) live beside them so
 * reference data from `data/` and input batches are checked by the same rules.
 */
import { z } from 'zod';
import { BASE_UNITS } from './units.ts';

export const REGIONS = ['东部', '中部', '西部', '东北'] as const;
export const CATEGORIES = [
  '综合实力',
  '工业经济',
  '开放合作',
  '创新能力',
  '企业主体',
  '人才',
  '数字经济',
  '绿色发展',
] as const;

/** Aggregate zone ids: all national high-tech zones, and the whole country (for shares). */
export const NATIONAL_HTZ = 'national-htz';
export const CHINA = 'china';

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, '只可用小写字母、数字和 -（2 至 63 个字符）');

export const zoneSchema = z.object({
  id: slug,
  name: z.string().min(1),
  shortName: z.string().min(1),
  province: z.string().nullable(),
  city: z.string().nullable(),
  region: z.enum(REGIONS).nullable(),
  level: z.enum(['national', 'provincial', 'municipal', 'aggregate']),
  alliances: z.array(z.string()).default([]),
  yearApproved: z.number().int().nullable(),
  aliases: z.array(z.string()).default([]),
});
export type Zone = z.infer<typeof zoneSchema>;

export const indicatorSchema = z.object({
  code: slug,
  name: z.string().min(1),
  aliases: z.array(z.string()).default([]),
  unit: z.enum(BASE_UNITS),
  category: z.enum(CATEGORIES),
  decimals: z.number().int().min(0).max(4),
  higherIsBetter: z.boolean(),
});
export type Indicator = z.infer<typeof indicatorSchema>;

/** One observation as stored: value in the indicator's base unit. */
export interface IndicatorRecord {
  zone: string;
  indicator: string;
  period: string;
  value: number;
  /**
   * The number exactly as reported (a plain decimal string, trailing zeros kept) and the
   * unit it was reported in, e.g. `1.37` `万亿元` for a value of 13700 亿元. Absent on
   * records stored before these fields existed: they print their stored value exactly.
   */
  reportedValue?: string;
  reportedUnit?: string;
  /** 约 / 超过 / 近 / 突破 / 余 / 多 / 以上 … as the source words it (see core/numbers.ts). */
  qualifier?: string;
  /** Reported year-on-year growth, in %. */
  yoy?: number;
  /** Reported share of the national (全国) total, in %. */
  share?: number;
  source: string;
  revision: number;
  /** Where this revision came from: file name and line, for tracing. */
  origin?: string;
  ingestedAt?: string;
}

export const articleSchema = z.object({
  id: slug,
  series: z.string().min(1),
  period: z.string().min(4),
  section: z.string().min(1).max(20),
  subtitle: z.string().nullable().optional(),
  title: z.string().min(1).max(120),
  byline: z.string().min(1).max(60),
  body: z.string().min(1).max(50_000),
  order: z.number().int().optional(),
});
export type Article = z.infer<typeof articleSchema>;

export const seriesSchema = z.object({
  id: slug,
  title: z.string().min(1),
  issuers: z
    .array(
      z.object({
        name: z.string(),
        shortName: z.string().optional(),
        from: z.string(),
        to: z.string().nullable(),
      }),
    )
    .min(1),
  numbering: z.object({
    reference: z.object({
      year: z.number().int(),
      // 0/0: a new series whose first issue is 第1期(总第1期).
      number: z.number().int().nonnegative(),
      total: z.number().int().nonnegative(),
      date: z.string().optional(),
    }),
  }),
  /** Back-page facts; a nested object (e.g. the editorial office) groups its own fields. */
  colophon: z.record(
    z.string(),
    z.union([
      z.string(),
      z.number(),
      z.null(),
      z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
    ]),
  ),
  sections: z.array(z.string()).default([]),
  /** Subscriber mail: the sender's display name (the address comes from configuration). */
  mail: z
    .object({ fromName: z.string().min(1) })
    .strict()
    .optional(),
  /** Indicators every issue's key table shows for the national aggregate (missing → —). */
  keyIndicators: z.array(z.string()).default([]),
  /**
   * Editorial cycle: `required` — a draft waits for an operator's release; `none` — a draft is
   * released as soon as it is made. Default `required`.
   */
  review: z.enum(['required', 'none']).default('required'),
});
export type Series = z.infer<typeof seriesSchema>;

/** An issue's 要目: each section with the titles printed under it. */
export type IssueContents = { section: string; titles: string[] }[];

/**
 * `published` = released (numbered, public); `withdrawn` = taken back (kept, with the reason).
 * `rendering` / `failed` belong to catalogs written before the editorial cycle (see lifecycle.ts).
 */
export type IssueStatus = 'rendering' | 'published' | 'failed' | 'withdrawn';

/** Where an issue's data files are archived, and their sha256. */
export interface DataKeys {
  /**
   * The CSV as stored beside the PDF by issues released before it was made on download; now
   * absent: the CSV is made from `json` and checked against `sha256.csv` (`data-download.ts`).
   */
  csv?: string;
  /**
   * The data file as JSON, from which the workbook is made on the first download: the release's
   * parts object (`…-parts.bin`, its `data` part; `app/release-parts.ts`), or its own object
   * (`-data.json.br`, `-data.json`) in issues released before. Issues released before those had
   * their workbook made at release, and have no `json`.
   */
  json?: string;
  /** The workbook: once made (at release before; now on the first download, under `workbooks/`). */
  xlsx?: string;
  /** `csv`: the CSV attached inside the PDF (what a download made from `json` must equal). */
  sha256?: { csv: string; json?: string; xlsx?: string };
}

/** Where an issue's cover is kept, and the sha256 of each file. */
export interface CoverKeys {
  /**
   * The HTML as printed and what was written into it after printing (JSON, `CoverSource`): the
   * release's parts object (`…-parts.bin`, its `cover` part), or its own object
   * (`-cover.json.br`, `-cover.json`) in issues released before.
   */
  source: string;
  /** The PNG, once made on the first request (under `covers/`, named by its content). */
  png?: string;
  /** The PNG's size in pixels, once made. */
  size?: { width: number; height: number };
  sha256: { source: string; png?: string };
}

/** A bulletin issue in the catalog. */
export interface Issue {
  id: string;
  series: string;
  kind: string;
  year: number;
  number: number;
  total: number;
  slotKey: string;
  status: IssueStatus;
  period?: string;
  title?: string;
  s3Key?: string;
  fileName?: string;
  sha256?: string;
  bytes?: number;
  pages?: number;
  inputHash?: string;
  /**
   * What the current edition was made from — records read, template, series, reference data,
   * code — as one key known before composing: the all-zones plan skips a zone whose latest
   * release has the key its inputs give now (report-jobs.ts `inputsKeyOf`).
   */
  inputsKey?: string;
  /**
   * The records store's data version the current edition was read at, with its build (template,
   * series, reference data, code): while both stay, the all-zones plan skips the zone without
   * reading anything of it (report-jobs.ts `dataKeyOf`). Empty after a correction.
   */
  dataKey?: string;
  /** 要目 of the issue, for the archive, the feed and the notice mail. */
  contents?: IssueContents;
  /**
   * S3 key of the web edition (HTML) published beside the PDF: the release's parts object
   * (`…-parts.bin`, its `web` part, `app/release-parts.ts`), or its own object (`.html.br`,
   * `.html`) in issues released before.
   */
  webKey?: string;
  /**
   * The cover (page 1 as an image, the archive's thumbnail): its source stored at release, the
   * PNG made from it on the first request and kept (`app/issue-cover.ts`). Issues released
   * before have `coverKey` instead.
   */
  coverKeys?: CoverKeys;
  /** S3 key of page 1 as an image, made at release (issues released before `coverKeys`). */
  coverKey?: string;
  /** Pixel size of the cover image. */
  coverSize?: { width: number; height: number };
  /**
   * sha256 of the web edition and of the cover as archived: both are served only when their
   * bytes still match (as the PDF and the data files are). Issues released before it was
   * recorded have none.
   */
  partsSha256?: { web?: string; cover?: string };
  /**
   * S3 keys of the issue's data (every printed figure) as CSV and as an Excel workbook, and
   * their sha256 (downloads are verified against them).
   */
  dataKeys?: DataKeys;
  /** Plain text for the archive's search: titles, 要目, article text, zone names. */
  searchText?: string;
  /**
   * Where the current edition prints each record's figures: record key → pages (from the
   * renderer's measure, `core/printed-pages.ts`); a correction's 勘误说明 names these pages.
   * Issues printed before it was recorded have none.
   */
  recordPages?: Record<string, number[]>;
  failure?: string;
  createdAt: string;
  publishedAt?: string;
  /**
   * The instant the release was planned for when it differs from `publishedAt` (an embargo
   * that fired late): the issue's year and masthead date are this one's.
   */
  plannedAt?: string;
  /** 1 = as first released; 2 = the first corrected edition (修订版), … */
  edition?: number;
  /** Every edition, oldest first; the top-level fields describe the current one. */
  editions?: IssueEdition[];
  /** The draft this issue was released from. */
  draftId?: string;
  /** What report of the series this is (`torch-bulletin`, `zone-profile:chongqing` …). */
  reportKey?: string;
  /** The request it was made from (kind, period, zone …): corrections re-run it. */
  params?: Record<string, string>;
  releasedBy?: string;
  /** Why the issue was taken back, when, by whom, and the issue that replaces it (if any). */
  withdrawn?: { at: string; by: string; reason: string; replacedBy?: string };
  /** Corrections-queue entries an editor dismissed, each with its reason (kept and shown). */
  correctionDismissals?: CorrectionDismissal[];
}

/**
 * An editor's decision not to correct what the queue found: kept with the issue and shown.
 * It covers the changes whose fingerprint it names; a later revision brings the issue back.
 */
export interface CorrectionDismissal {
  at: string;
  by: string;
  reason: string;
  /** The fingerprint of the changes dismissed (app/corrections.ts `changesFingerprint`). */
  fingerprint: string;
}

/** 修订: a source revised its figures; 更正: we printed something wrong. */
export const EDITION_KINDS = ['修订', '更正'] as const;
export type EditionKind = (typeof EDITION_KINDS)[number];

/** What a corrected edition says of itself: its kind, cause, what it affects, the pages. */
export interface EditionLabel {
  kind: EditionKind;
  /** Why: `国家统计局修订了2025年地区生产总值` / `排版时误将…`. */
  cause: string;
  /** What it affects, in words (by default the figures changed, from the changes). */
  effect: string;
  /** Pages of the edition on which a changed figure is printed (1-based), when known. */
  pages: number[];
}

/** One printed edition of an issue: the first release or a correction (修订版). */
export interface IssueEdition {
  edition: number;
  s3Key: string;
  fileName: string;
  sha256: string;
  bytes: number;
  pages: number;
  inputHash: string;
  releasedAt: string;
  releasedBy: string;
  draftId: string;
  /** The objects stored beside this edition's PDF (web edition …), kept while it is listed. */
  otherKeys?: string[];
  /** For a corrected edition: each changed figure, old → new, with the source of the revision. */
  corrections?: CorrectionLine[];
  /** For a corrected edition: 修订 or 更正, with its cause, effect and pages. */
  label?: EditionLabel;
}

/** What of a printed figure changed: its value, reported growth or share, qualifier or precision. */
export type CorrectionAspect = 'value' | 'growth' | 'share' | 'qualifier' | 'precision';

/** One line of a 勘误说明. */
export interface CorrectionLine {
  /** What changed; absent on lines written before aspects were told apart (a value). */
  aspect?: CorrectionAspect;
  zone: string;
  indicator: string;
  period: string;
  /** Where the figure is printed (zone and indicator names as the reader sees them). */
  printedAs: string;
  /** Null for a reported rate (growth, share) that the record no longer, or not yet, gives. */
  oldValue: number | null;
  newValue: number | null;
  /** The values as printed (`1.37万亿元`), when a figure printed the record itself. */
  oldText?: string;
  newText?: string;
  unit: string;
  oldRevision: number;
  newRevision: number;
  source: string;
  /** Pages of the corrected edition on which the figure is printed (its `recordPages`). */
  pages?: number[];
}

/** The issuer of a series on a date (the duty moved from 科技部 to 工信部 in 2023). */
export function issuerOn(series: Series, isoDate: string): string {
  const day = isoDate.slice(0, 10);
  const match = series.issuers.find((i) => i.from <= day && (i.to === null || day <= i.to));
  return (match ?? series.issuers[series.issuers.length - 1]!).name;
}
