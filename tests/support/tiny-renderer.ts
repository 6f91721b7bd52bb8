/**
 * A small real {@link PdfRenderer} for tests whose subject is not the printing: it reads the
 * HTML file it is given and writes a valid one-page PDF (pdf-lib) carrying the HTML's sha256, its
 * link targets as named destinations, and a per-render nonce — like Chromium, two renders of one HTML never give the same bytes. It can
 * be told to fail or to take its time, to place a fault at the render step.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PDFDocument, PDFName, PDFNull, StandardFonts } from '@cantoo/pdf-lib';
import { RenderError } from '#errors';
import type { PdfRenderer, RenderRequest, RenderResult } from '../../functions/app/ports.ts';

export interface TinyRenderer extends PdfRenderer {
  /** Renders started so far. */
  renders: number;
  /** The HTML of every render, in order. */
  htmls: string[];
  /** The next render fails with this error (once). */
  failNext?: Error;
  /**
   * The next render of an HTML file whose path matches fails with this error (once): a fault
   * for one report while others (an embargo printed ahead by the server's tick) print on.
   */
  failNextOf?: { path: RegExp; error: Error };
  /** Each render waits this long first (lets parallel callers overlap). */
  delayMs: number;
}

export function createTinyRenderer(delayMs = 0): TinyRenderer {
  const renderer: TinyRenderer = {
    renders: 0,
    htmls: [],
    delayMs,
    async renderPdf(req: RenderRequest): Promise<RenderResult> {
      renderer.renders += 1;
      const html = await readFile(req.htmlPath, 'utf8');
      renderer.htmls.push(html);
      if (renderer.delayMs) await new Promise((r) => setTimeout(r, renderer.delayMs));
      const targeted = renderer.failNextOf?.path.test(req.htmlPath)
        ? renderer.failNextOf.error
        : undefined;
      if (targeted) renderer.failNextOf = undefined;
      const failure = targeted ?? renderer.failNext;
      if (failure) {
        if (!targeted) renderer.failNext = undefined;
        throw failure instanceof RenderError
          ? failure
          : new RenderError(`render of ${req.htmlPath} failed: ${failure.message}`, {
              cause: failure,
            });
      }
      const doc = await PDFDocument.create();
      const font = await doc.embedFont(StandardFonts.Helvetica);
      const page = doc.addPage([595, 842]);
      const sha = createHash('sha256').update(html).digest('hex');
      page.drawText(`html ${sha}`, { x: 40, y: 780, size: 9, font });
      page.drawText(`render ${randomUUID()}`, { x: 40, y: 760, size: 9, font });
      if (req.metadata?.title) doc.setTitle(req.metadata.title);
      // Like Chromium, every in-document link target becomes a named destination (the
      // contents' page numbers are read from them); here they all point at the one page.
      const anchors = new Set([...html.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]!));
      const dests = doc.context.obj({});
      for (const anchor of anchors)
        dests.set(
          PDFName.of(anchor),
          doc.context.obj([page.ref, PDFName.of('XYZ'), PDFNull, PDFNull, PDFNull]),
        );
      doc.catalog.set(PDFName.of('Dests'), dests);
      const pdf = await doc.save();
      const destinations = Object.fromEntries(
        [...anchors].map((a) => [a, { page: 1, fromTop: 0 }]),
      );
      return { pdf, pages: 1, timings: { loadMs: 0, layoutMs: 0, pdfMs: 0 }, destinations };
    },
    async close() {},
  };
  return renderer;
}
