/**
 * Print file for booklets of passes (and its "BAT" proof): per booklet, one A4 cover then coupon
 * pages of 5 passes each, cut along dashed lines.
 *
 * Streams: booklets are pulled one at a time and each page is flushed as soon as the next one
 * starts (pdfkit without bufferPages), and the renderer waits for the output to drain, so memory
 * stays flat for 100 000 passes as for 10. QR codes are vector rectangles (qr-vector.ts).
 */
import { PDF_FONT, PDF_FONT_BOLD, registerPdfFonts } from './fonts.ts';
import PDFDocument from 'pdfkit';
import { formatEuros } from '../../server/shared/money.ts';
import { drawQrCode } from '../../server/modules/booklets/qr-vector.ts';
import { formatPassCode, passUrl } from '../../server/modules/booklets/pass-code.ts';
import { drawLetter, type BookletLetter } from './booklet-letter.ts';
import { drawCropMarks, pageGeometry, preparePage, SAFE_INSET, type PageGeometry, type PrintProfile } from './print-profile.ts';

/** What the buyer chose for its booklets (print settings of the order, as frozen in the proof version). */
export interface BookletDesign {
  /** Replaces "Pass numérique" as the cover's title. */
  coverTitle: string | null;
  /** A few words of the buyer under "Offert par". */
  coverMessage: string | null;
  /** Re-encoded PNG or JPEG bytes. */
  logo: Buffer | null;
  /** Printed as the page after the cover. */
  letter: BookletLetter | null;
}

export interface BookletPrintData {
  serial: string;
  /** URL encoded in the booklet's own QR code on the cover (upper case keeps the QR small). */
  bookletUrl: string;
  buyerName: string;
  faceValueCents: number;
  /** YYYY-MM-DD */
  validFrom: string;
  /** YYYY-MM-DD */
  validUntil: string;
  /** Labels of the eligible public categories; null = tous publics. */
  publicsLabels: string[] | null;
  /** Territory in plain French, e.g. "Département de la Gironde (33)". */
  territoryDescription: string;
  /** Where to find labelled places, in plain French (may include a URL or a phone number). */
  placesHint: string;
  /** Services of the national list the passes pay for (French names); null or absent = every service. */
  allowedServices?: string[] | null;
  passes: { code: string }[];
  design?: BookletDesign;
}

export interface RenderBookletsOptions {
  /** Print proof ("bon à tirer"): a diagonal "BAT — ne pas imprimer" on every page, and coupons marked SPÉCIMEN. */
  proofWatermark?: boolean;
  /** `bureau` (default) or `imprimeur` (bleed, crop marks, TrimBox/BleedBox): print-profile.ts. */
  profile?: PrintProfile;
  /** PUBLIC_URL: the passes' QR codes encode `${PUBLIC_URL}/P/${CODE}` in upper case. */
  publicUrl: string;
}

export const COUPONS_PER_PAGE = 5;

/** Pages one booklet takes: one cover, the beneficiary letter if any, then one page per 5 passes. */
export function countBookletPages(passesPerBooklet: number, options: { letter?: boolean } = {}): number {
  if (!Number.isInteger(passesPerBooklet) || passesPerBooklet < 0) throw new RangeError('nombre de pass entier positif attendu');
  return 1 + (options.letter ? 1 : 0) + Math.ceil(passesPerBooklet / COUPONS_PER_PAGE);
}

const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];

/** "2027-01-01" → "1er janvier 2027"; "2027-12-31" → "31 décembre 2027". */
export function formatFrenchDate(isoDate: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  const month = m ? MONTHS[Number(m[2]) - 1] : undefined;
  const day = m ? Number(m[3]) : 0;
  if (!m || month === undefined || day < 1 || day > 31) throw new RangeError(`date AAAA-MM-JJ attendue : ${isoDate}`);
  return `${day === 1 ? '1er' : String(day)} ${month} ${m[1]}`;
}

/** "du 1er janvier 2027 au 31 décembre 2027" */
export function formatValidity(validFrom: string, validUntil: string): string {
  return `du ${formatFrenchDate(validFrom)} au ${formatFrenchDate(validUntil)}`;
}

// ---------------------------------------------------------------------------------------------
// Page geometry (PDF points, A4 portrait) and style

const PAGE_W = 595.28;
const PAGE_H = 841.89;
const COUPON_H = PAGE_H / COUPONS_PER_PAGE;
const MARGIN = 56;
const BLUE = '#000091';
const RED = '#C9191E';
const INK = '#161616';
const GREY = '#666666';
const LIGHT = '#F5F5FE';
const NBSP = '\u00a0';

const FONT = PDF_FONT;
const FONT_BOLD = PDF_FONT_BOLD;

type Doc = PDFKit.PDFDocument;

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

/** Wrapped text that never spills onto a new page: clipped to `height` with an ellipsis. Returns the y below it. */
function block(doc: Doc, text: string, x: number, y: number, width: number, height: number, opts: PDFKit.Mixins.TextOptions = {}): number {
  doc.text(text, x, y, { width, height, ellipsis: '…', ...opts });
  return Math.min(doc.y, y + height);
}

function line(doc: Doc, text: string, x: number, y: number, opts: PDFKit.Mixins.TextOptions = {}): void {
  doc.text(text, x, y, { lineBreak: false, ...opts });
}

function heading(doc: Doc, text: string, y: number): number {
  doc.font(FONT_BOLD).fontSize(14).fillColor(BLUE);
  line(doc, text, MARGIN, y);
  return y + 22;
}

/**
 * An order restricted to some services (issue 18) says so on the cover, so the holder and the place
 * know before the service is given; the redemption refuses the others (`service_not_allowed`).
 * Nothing is printed for an unrestricted order. Returns the y below.
 */
function drawAllowedServices(doc: Doc, services: readonly string[] | null, y: number, width: number): number {
  if (!services || services.length === 0) return y;
  y = heading(doc, 'Pour quels services ?', y);
  doc.font(FONT).fontSize(11).fillColor(INK);
  const text = `${services.length === 1 ? 'Ces pass paient seulement ce service' : 'Ces pass paient seulement ces services'} : ${services.join(' ; ')}.`;
  return block(doc, text, MARGIN, y, width, 44) + 10;
}

function drawCover(doc: Doc, b: BookletPrintData, uniqueText: PDFKit.Mixins.TextOptions, geometry: PageGeometry, logo: unknown): void {
  const contentW = PAGE_W - 2 * MARGIN;
  const qrSize = 118;
  const qrX = PAGE_W - MARGIN - qrSize + 8; // the quiet zone may reach into the margin
  const textW = contentW - qrSize - 12;
  const passCount = b.passes.length;
  const face = formatEuros(b.faceValueCents);
  const validity = formatValidity(b.validFrom, b.validUntil);

  // Title block and the booklet's own QR code. The band runs along the top edge: into the bleed
  // for a print shop, inside the unprintable margin's limit for an office printer.
  const inset = geometry.edgeInset;
  doc.rect(inset - geometry.bleed, inset - geometry.bleed, PAGE_W - 2 * inset + 2 * geometry.bleed, 8 + geometry.bleed).fill(BLUE);
  const design = b.design;
  doc.font(FONT_BOLD).fontSize(design?.coverTitle ? 26 : 34).fillColor(BLUE);
  block(doc, design?.coverTitle ?? 'Pass numérique', MARGIN, 52, textW, 44, { lineBreak: design?.coverTitle ? true : false });
  doc.font(FONT).fontSize(16).fillColor(INK);
  block(doc, `Carnet de ${passCount} pass pour vous accompagner dans le numérique`, MARGIN, 100, textW, 42);
  doc.fontSize(12).fillColor(GREY);
  if (design?.coverMessage) {
    line(doc, `Offert par ${b.buyerName}`, MARGIN, 146, { width: textW, ellipsis: '…' });
    doc.fontSize(9).fillColor(INK);
    block(doc, design.coverMessage, MARGIN, 162, textW, 24);
  } else {
    block(doc, `Offert par ${b.buyerName}`, MARGIN, 146, textW, 32);
  }
  drawQrCode(doc, b.bookletUrl, { x: qrX, y: 44, size: qrSize });
  doc.font(FONT).fontSize(8).fillColor(GREY);
  line(doc, `Carnet n°${NBSP}${b.serial}`, qrX, 44 + qrSize, { ...uniqueText, width: qrSize, align: 'center' });

  // Key facts.
  let y = 196;
  doc.rect(MARGIN, y, contentW, 78).fill(LIGHT);
  doc.rect(MARGIN, y, 4, 78).fill(BLUE);
  doc.font(FONT_BOLD).fontSize(13).fillColor(INK);
  line(doc, `${passCount} pass de ${face} — valeur totale ${formatEuros(b.faceValueCents * passCount)}`, MARGIN + 18, y + 14, { width: contentW - 30, ellipsis: '…' });
  doc.font(FONT).fontSize(12);
  line(doc, `Valables ${validity}`, MARGIN + 18, y + 35);
  doc.fontSize(10).fillColor(GREY);
  line(doc, `Carnet n°${NBSP}${b.serial}`, MARGIN + 18, y + 55, uniqueText);

  // Who and where.
  y = 296;
  y = heading(doc, 'Pour qui ?', y);
  doc.font(FONT).fontSize(11).fillColor(INK);
  if (b.publicsLabels === null || b.publicsLabels.length === 0) {
    y = block(doc, 'Pour tous les publics.', MARGIN, y, contentW, 16);
  } else {
    y = block(doc, 'Ces pass sont réservés aux personnes suivantes :', MARGIN, y, contentW, 16);
    const maxY = y + 92;
    for (const label of b.publicsLabels) {
      if (y + 14 > maxY) {
        line(doc, '…', MARGIN + 14, y);
        y += 14;
        break;
      }
      line(doc, '•', MARGIN + 4, y);
      y = block(doc, label, MARGIN + 16, y, contentW - 16, Math.min(28, maxY - y));
    }
  }
  y += 10;
  y = heading(doc, 'Où ?', y);
  doc.font(FONT).fontSize(11).fillColor(INK);
  y = block(doc, b.territoryDescription, MARGIN, y, contentW, 44) + 10;
  y = drawAllowedServices(doc, b.allowedServices ?? null, y, contentW);

  // How to use.
  y = heading(doc, 'Comment utiliser vos pass', y);
  const steps = [
    'Trouvez un lieu labellisé Pass numérique près de chez vous (voir ci-dessous).',
    'Prenez rendez-vous pour un atelier ou un accompagnement au numérique.',
    `Le jour venu, donnez vos pass au lieu. Chaque pass vaut ${face}. Le lieu scanne le code ou le tape.`,
    `Gardez les pass qui restent pour une prochaine fois. Ils sont valables ${validity}.`,
    'Ces pass sont gratuits pour vous. Ils ne peuvent pas être vendus ni échangés contre de l’argent.',
  ];
  doc.font(FONT).fontSize(11).fillColor(INK);
  steps.forEach((step, i) => {
    doc.font(FONT_BOLD).fillColor(BLUE);
    line(doc, `${i + 1}.`, MARGIN + 2, y);
    doc.font(FONT).fillColor(INK);
    y = block(doc, step, MARGIN + 20, y, contentW - 20, 30) + 4;
  });
  y += 8;

  // Where to find places.
  y = heading(doc, 'Où trouver un lieu labellisé ?', y);
  doc.font(FONT).fontSize(11).fillColor(INK);
  block(doc, b.placesHint, MARGIN, y, contentW, Math.max(16, PAGE_H - 96 - y));

  // Footer.
  doc.moveTo(MARGIN, PAGE_H - 84).lineTo(PAGE_W - MARGIN, PAGE_H - 84).lineWidth(0.5).strokeColor('#CCCCCC').stroke();
  doc.font(FONT).fontSize(9).fillColor(GREY);
  const logoW = 110;
  block(
    doc,
    'Perte ou vol : prévenez tout de suite la structure qui vous a remis ce carnet, elle peut le bloquer. ' +
      'Les pass sont non nominatifs et ne peuvent pas être échangés contre de l’argent.',
    MARGIN,
    PAGE_H - 74,
    logo ? contentW - logoW - 12 : contentW,
    30,
  );
  // The buyer's logo, bottom right: the image is embedded once per file and reused by every cover.
  if (logo) doc.image(logo as PDFKit.Mixins.ImageSrc, PAGE_W - MARGIN - logoW, PAGE_H - 78, { fit: [logoW, 44], align: 'right', valign: 'center' });
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
