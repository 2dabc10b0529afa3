/**
 * Print file for booklets of passes (and its "BAT" proof): per booklet, one A4 cover then coupon
 * pages of 5 passes each, cut along dashed lines.
 *
 * Streams: booklets are pulled one at a time and each page is flushed as soon as the next one
 * starts (pdfkit without bufferPages), and the renderer waits for the output to drain, so memory
 * stays flat for 100 000 passes as for 10. QR codes are vector rectangles (qr-vector.ts).
 */
import { registerPdfFonts } from './fonts.ts';
import PDFDocument from 'pdfkit';
import { formatEuros } from '../../server/shared/money.ts';
import { drawQrCode } from '../../server/modules/booklets/qr-vector.ts';
import { formatPassCode, passUrl } from '../../server/modules/booklets/pass-code.ts';
import { drawLetter } from './booklet-letter.ts';
import { drawCropMarks, pageGeometry, preparePage, SAFE_INSET, type PageGeometry, type PrintProfile } from './print-profile.ts';

import type { BookletPrintData } from './booklet-data.ts';
import { drawCover } from './booklet-cover.ts';
import { BLUE, COUPON_H, COUPONS_PER_PAGE, FONT, FONT_BOLD, GREY, INK, MARGIN, NBSP, PAGE_H, PAGE_W, RED, line, formatValidity, type Doc } from './booklet-style.ts';

export type { BookletDesign, BookletPrintData } from './booklet-data.ts';
export { COUPONS_PER_PAGE } from './booklet-style.ts';

export interface RenderBookletsOptions {
  /** Print proof ("bon à tirer"): a diagonal "BAT — ne pas imprimer" on every page, and coupons marked SPÉCIMEN. */
  proofWatermark?: boolean;
  /** `bureau` (default) or `imprimeur` (bleed, crop marks, TrimBox/BleedBox): print-profile.ts. */
  profile?: PrintProfile;
  /** PUBLIC_URL: the passes' QR codes encode `${PUBLIC_URL}/P/${CODE}` in upper case. */
  publicUrl: string;
}


/** Pages one booklet takes: one cover, the beneficiary letter if any, then one page per 5 passes. */
export function countBookletPages(passesPerBooklet: number, options: { letter?: boolean } = {}): number {
  if (!Number.isInteger(passesPerBooklet) || passesPerBooklet < 0) throw new RangeError('nombre de pass entier positif attendu');
  return 1 + (options.letter ? 1 : 0) + Math.ceil(passesPerBooklet / COUPONS_PER_PAGE);
}


/**
 * Memory guard. pdfkit caches the layout of every word it prints, per font and per document, and
 * never empties that cache: each pass code and booklet serial is a new word, so 100 000 passes
 * would keep 100 000+ entries alive (≈ 4 MB per 1 000 passes). Between booklets we empty a cache
 * that holds more than MAX_WORDS words (a private pdfkit field, checked before use).
 * Should pdfkit's internals change, we fall back to laying out unique text with an explicit
 * `features` list, which pdfkit never caches (same glyphs, ~35 % slower overall).
 */
class LayoutCacheGuard {
  /** Words kept per font before its cache is emptied (≈ 4 KB each: under 10 MB per font). */
  static readonly MAX_WORDS = 2000;
  /** Options for text unique to a pass or booklet (codes, serials). */
  uniqueText: PDFKit.Mixins.TextOptions = {};

  constructor(private readonly doc: Doc) {}

  /** Call between booklets. */
  trim(): void {
    const families = (this.doc as unknown as { _fontFamilies?: Record<string, { layoutCache?: unknown }> })._fontFamilies;
    // Embedded fonts have a layout cache; the standard Helvetica that pdfkit loads by default has none.
    const cached = (families && typeof families === 'object' ? Object.values(families) : []).filter(
      (f): f is { layoutCache: object } => f !== null && typeof f === 'object' && typeof f.layoutCache === 'object' && f.layoutCache !== null,
    );
    if (cached.length > 0) {
      for (const font of cached) {
        if (Object.keys(font.layoutCache).length > LayoutCacheGuard.MAX_WORDS) font.layoutCache = Object.create(null);
      }
    } else {
      this.uniqueText = { features: [] };
    }
  }
}

function drawCutLine(doc: Doc, y: number, geometry: PageGeometry): void {
  const left = Math.max(geometry.edgeInset, 12);
  doc.save();
  doc.lineWidth(0.5).strokeColor('#8A8A8A').dash(4, { space: 3 });
  doc.moveTo(left + 18, y).lineTo(PAGE_W - geometry.edgeInset, y).stroke();
  doc.undash();
  doc.font(FONT).fontSize(11).fillColor('#8A8A8A');
  line(doc, '✂', left, y - 7);
  doc.restore();
}

function drawCoupon(doc: Doc, b: BookletPrintData, code: string, index: number, slot: number, publicUrl: string, uniqueText: PDFKit.Mixins.TextOptions, specimen: boolean): void {
  const top = slot * COUPON_H;
  const left = 40;
  const qrSize = 132;
  const qrX = PAGE_W - 28 - qrSize;
  const qrY = top + (COUPON_H - qrSize) / 2;

  doc.rect(left - 14, top + 22, 4, COUPON_H - 44).fill(BLUE);
  doc.font(FONT_BOLD).fontSize(10).fillColor(BLUE);
  line(doc, 'PASS NUMÉRIQUE', left, top + 20, { characterSpacing: 1 });
  doc.font(FONT).fontSize(8).fillColor(GREY);
  line(doc, `Pass ${index + 1} sur ${b.passes.length}`, left + 130, top + 22);

  doc.font(FONT_BOLD).fontSize(30).fillColor(INK);
  line(doc, formatEuros(b.faceValueCents), left, top + 36);

  doc.font(FONT_BOLD).fontSize(15).fillColor(INK);
  line(doc, formatPassCode(code), left, top + 78, { ...uniqueText, characterSpacing: 0.8 });

  doc.font(FONT).fontSize(9).fillColor(INK);
  line(doc, `Valable ${formatValidity(b.validFrom, b.validUntil)}`, left, top + 104);
  doc.fillColor(GREY);
  line(doc, `Carnet n°${NBSP}${b.serial}`, left, top + 118, uniqueText);
  doc.font(FONT_BOLD).fontSize(8).fillColor(INK);
  line(doc, 'Non nominatif — ne peut être échangé contre de l’argent', left, top + 136);

  drawQrCode(doc, passUrl(publicUrl, code), { x: qrX, y: qrY, size: qrSize });
  if (specimen) {
    // A proof's coupon carries a specimen code (never a live one): said in words next to the code and above the QR.
    doc.font(FONT_BOLD).fontSize(13).fillColor(RED);
    line(doc, 'SPÉCIMEN', left + 250, top + 80);
    doc.fontSize(8);
    line(doc, 'SPÉCIMEN — sans valeur', qrX, qrY - 2, { width: qrSize, align: 'center' });
  }
}

function drawProofWatermark(doc: Doc): void {
  const text = 'BAT — ne pas imprimer';
  doc.save();
  doc.font(FONT_BOLD).fontSize(60).fillColor(RED).fillOpacity(0.2);
  const w = doc.widthOfString(text);
  doc.rotate(-55, { origin: [PAGE_W / 2, PAGE_H / 2] });
  line(doc, text, PAGE_W / 2 - w / 2, PAGE_H / 2 - 30);
  doc.restore();
  // The same words, horizontal, in the top margin: readable by people and by text extraction.
  doc.save();
  doc.font(FONT_BOLD).fontSize(8).fillColor(RED);
  // Bottom margin: the top one holds the coupon page header, and the two lines ran into each other.
  line(doc, `${text} — épreuve à valider`, 0, PAGE_H - SAFE_INSET - 10, { width: PAGE_W, align: 'center' });
  doc.restore();
}

/** Refuses, before anything of it is drawn, a booklet the layout cannot print correctly. */
function checkBooklet(b: BookletPrintData): void {
  const where = `carnet ${String(b.serial)}`;
  if (typeof b.serial !== 'string' || b.serial.length === 0 || b.serial.length > 40) throw new RangeError(`${where} : numéro de série invalide`);
  if (!Number.isSafeInteger(b.faceValueCents) || b.faceValueCents <= 0) throw new RangeError(`${where} : valeur faciale en centimes attendue`);
  formatValidity(b.validFrom, b.validUntil); // throws on a malformed date
  if (b.validFrom > b.validUntil) throw new RangeError(`${where} : validité inversée`);
  for (const pass of b.passes) formatPassCode(pass.code); // throws on a malformed code
}

/**
 * Writes the print file for `booklets` to `out` and ends `out`. Resolves once `out` has finished,
 * with the number of pages; rejects if `out` fails or closes early, or if a booklet is invalid —
 * then `out` is left unended (destroy it) so a truncated file is never mistaken for a complete one.
 */
export async function renderBookletsPdf(
  out: NodeJS.WritableStream,
  booklets: AsyncIterable<BookletPrintData> | Iterable<BookletPrintData>,
  opts: RenderBookletsOptions,
): Promise<{ pages: number }> {
  const proof = opts.proofWatermark === true;
  const trim = { width: PAGE_W, height: PAGE_H };
  const geometry = pageGeometry(opts.profile ?? 'bureau', trim);
  const doc = new PDFDocument({
    autoFirstPage: false,
    bufferPages: false,
    size: 'A4',
    margin: 0,
    lang: 'fr-FR',
    displayTitle: true,
    info: {
      Title: proof ? 'BAT — carnets Pass numérique' : 'Carnets Pass numérique',
      Creator: 'Pass numérique',
    },
  });
  // Registered once per document: pdfkit embeds each font once, as a subset (CID, Identity-H).
  registerPdfFonts(doc);

  const layoutCaches = new LayoutCacheGuard(doc);

  let pages = 0;
  doc.on('pageAdded', () => {
    pages++;
  });

  // Hand-made pipe: forward chunks, remember when `out` asks us to wait, and fail on error/close.
  let finished = false;
  let failure: Error | null = null;
  let drain: Promise<void> | null = null;
  let rejectFailed: (err: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    rejectFailed = reject;
  });
  failed.catch(() => {}); // observed through Promise.race below
  const onError = (err: Error) => {
    failure ??= err;
    rejectFailed(failure);
  };
  const onClose = () => {
    if (!finished) onError(new Error('flux de sortie fermé avant la fin du PDF'));
  };
  out.on('error', onError);
  out.on('close', onClose);
  doc.on('error', onError);
  doc.on('data', (chunk: Buffer) => {
    if (failure !== null) return;
    if (!out.write(chunk) && drain === null) {
      drain = new Promise<void>((resolve) => {
        out.once('drain', () => {
          drain = null;
          resolve();
        });
      });
    }
  });
  const docEnded = new Promise<void>((resolve) => doc.once('end', resolve));
  const outFinished = new Promise<void>((resolve) => out.once('finish', resolve));

  const yieldToOutput = async (): Promise<void> => {
    // Let pdfkit hand over what it buffered, then wait while the consumer is saturated.
    await Promise.race([new Promise<void>((resolve) => setImmediate(resolve)), failed]);
    while (drain !== null) await Promise.race([drain, failed]);
  };

  const newPage = () => {
    if (pages > 0 && proof) drawProofWatermark(doc);
    doc.addPage({ size: geometry.mediaSize, margin: 0 });
    preparePage(doc, geometry, trim);
    drawCropMarks(doc, geometry, trim);
  };
  // One embedded image per distinct logo, whatever the number of covers.
  const logos = new Map<Buffer, unknown>();
  const logoOf = (b: BookletPrintData) => {
    const data = b.design?.logo;
    if (!data) return null;
    if (!logos.has(data)) logos.set(data, (doc as unknown as { openImage(src: Buffer): unknown }).openImage(data));
    return logos.get(data);
  };

  try {
    for await (const booklet of booklets) {
      checkBooklet(booklet); // before its first page, so a bad booklet never leaves half a page
      newPage();
      drawCover(doc, booklet, layoutCaches.uniqueText, geometry, logoOf(booklet));
      if (booklet.design?.letter) {
        newPage();
        drawLetter(doc, booklet.design.letter, { width: PAGE_W, height: PAGE_H, margin: MARGIN });
      }
      booklet.passes.forEach((pass, i) => {
        const slot = i % COUPONS_PER_PAGE;
        if (slot === 0) {
          newPage();
          // A cut line under each coupon of the page (none under the last slot: that is the paper's edge).
          const onPage = Math.min(COUPONS_PER_PAGE, booklet.passes.length - i);
          for (let k = 1; k <= Math.min(onPage, COUPONS_PER_PAGE - 1); k++) drawCutLine(doc, k * COUPON_H, geometry);
        }
        drawCoupon(doc, booklet, pass.code, i, slot, opts.publicUrl, layoutCaches.uniqueText, proof);
      });
      layoutCaches.trim();
      await yieldToOutput();
    }
    if (pages > 0 && proof) drawProofWatermark(doc);
    if (pages === 0) {
      // A PDF needs at least one page: say plainly that there is nothing to print.
      newPage();
      doc.font(FONT).fontSize(14).fillColor(INK);
      line(doc, 'Aucun carnet à imprimer.', MARGIN, MARGIN);
      if (proof) drawProofWatermark(doc);
    }
    doc.end();
    await Promise.race([docEnded, failed]);
    finished = true;
    out.end();
    await Promise.race([outFinished, failed]);
  } catch (err) {
    failure ??= err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    doc.removeAllListeners('data');
    out.removeListener('close', onClose);
    // Keep swallowing late errors of a failed output (the caller destroys it); detach otherwise.
    if (failure === null) out.removeListener('error', onError);
  }
  return { pages };
}
