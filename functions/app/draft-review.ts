/**
 * A draft as the console reviews it. Its web edition: the same composed view as its PDF, as the web page the issue will have,
 * marked 样稿 and linked to the draft's PDF in the console. Stored beside the draft PDF under
 * `drafts/` (no reader route serves that prefix: the embargo holds), removed with it, and served
 * only to people signed in to the console — every opening noted as pre-release access. And what
 * it changes against the last issue of its report (figures, articles, pages).
 */
import {
  articleChanges,
  draftChanges,
  type ArticleChanges,
  type DraftChanges,
} from '../core/draft-changes.ts';
import type { Draft } from '../core/lifecycle.ts';
import type { PrintPlace } from '../core/printed-pages.ts';
import type { Issue } from '../core/model.ts';
import { sha256Hex } from '../core/digest.ts';
import type { ReportView } from '../core/report-parts.ts';
import { draftWebKey } from './archive-keys.ts';
import type { Archive, LifecycleCatalog } from './ports.ts';
import { renderWebEdition } from './web-edition.ts';

/** The console's address of a draft's page, PDF and web edition. */
export const draftPaths = (draftId: string) => ({
  page: `/console/drafts/${encodeURIComponent(draftId)}`,
  pdf: `/console/drafts/${encodeURIComponent(draftId)}/pdf`,
  web: `/console/drafts/${encodeURIComponent(draftId)}/web`,
});

/**
 * Renders and stores the web edition of a draft beside its PDF (`…-<sha>.html`).
 * @returns the draft's fields that name it.
 */
export async function storeDraftWebEdition(
  archive: Archive,
  draft: { id: string; pdfKey: string; fileName: string },
  view: ReportView,
): Promise<Pick<Draft, 'webKey' | 'webSha256'>> {
  const paths = draftPaths(draft.id);
  const html = renderWebEdition(view, {
    archiveUrl: paths.page,
    backLabel: '返回稿件',
    pdfUrl: paths.pdf,
    correctionNote: '样稿：仅供编辑部审阅，发布前不得外传。',
  });
  const webKey = draftWebKey(draft.pdfKey);
  const stored = await archive.put(webKey, new TextEncoder().encode(html), {
    fileName: draft.fileName.replace(/\.pdf$/, '.html'),
    contentType: 'text/html; charset=utf-8',
    metadata: { draft: draft.id },
  });
  return { webKey, webSha256: stored.sha256 };
}

/** Every archive object of a draft (its PDF, its web edition). */
export function draftFileKeys(draft: Pick<Draft, 's3Key' | 'webKey'> | undefined): string[] {
  return draft ? [draft.s3Key, draft.webKey].filter((k): k is string => !!k) : [];
}

/**
 * The bytes of a draft's web edition, when it has one and they are the bytes stored (a page
 * whose sha256 differs from the draft's record is not served).
 */
export async function draftWebEditionBytes(
  archive: Archive,
  draft: Draft,
): Promise<Uint8Array | undefined> {
  if (!draft.webKey) return undefined;
  const bytes = await archive.get(draft.webKey);
  if (!bytes) return undefined;
  if (draft.webSha256 && sha256Hex(bytes) !== draft.webSha256) return undefined;
  return bytes;
}

/** A changed figure with where the draft prints it (pages, articles), when the draft kept it. */
export type PlacedChange = DraftChanges['changed'][number] & { where?: PrintPlace[] };

/** What a draft changes against the last issue of its report (the console's 与上一期相比). */
export interface DraftReview {
  last: Issue;
  figures?: Omit<DraftChanges, 'changed'> & { changed: PlacedChange[] };
  /** Absent when the draft was made before its articles were kept. */
  articles?: ArticleChanges;
}

function withPlaces(
  changes: DraftChanges,
  places: Draft['places'],
): Omit<DraftChanges, 'changed'> & { changed: PlacedChange[] } {
  return {
    ...changes,
    changed: changes.changed.map((c) => {
      const where = places?.[c.key];
      return where ? { ...c, where } : c;
    }),
  };
}

/**
 * The last issue of the draft's report and what the draft changes against it: figures old → new
 * (where each is printed), articles added, changed or dropped, and (on the issue) its pages.
 * Undefined for a corrected edition (its 勘误 says what changed) and for a report's first draft.
 */
export async function reviewDraft(
  catalog: Pick<LifecycleCatalog, 'latestOfReport' | 'printedOf' | 'getDraft'>,
  draft: Draft,
): Promise<DraftReview | undefined> {
  if (draft.correctionOf) return undefined;
  const last = await catalog.latestOfReport(draft.series, draft.reportKey);
  // A released draft is its report's latest issue: there is nothing before it to compare with here.
  if (!last || last.id === draft.issueId) return undefined;
  const lastDraftId = last.editions?.at(-1)?.draftId ?? last.draftId;
  const [printed, lastDraft] = await Promise.all([
    draft.printed ? catalog.printedOf(last.id) : undefined,
    lastDraftId ? catalog.getDraft(lastDraftId) : undefined,
  ]);
  return {
    last,
    ...(printed && draft.printed
      ? { figures: withPlaces(draftChanges(draft.printed, printed), draft.places) }
      : {}),
    ...(draft.articles
      ? {
          articles: articleChanges(draft.articles, {
            ...(lastDraft?.articles ? { articles: lastDraft.articles } : {}),
            ...(last.contents ? { contents: last.contents } : {}),
          }),
        }
      : {}),
  };
}
