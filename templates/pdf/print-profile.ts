/**
 * Print profiles of the booklet file.
 * - `bureau` (default): an A4 sheet for an office printer, which cannot print near the edge: nothing
 *   is drawn within 5 mm of it (SAFE_INSET is a little more, for anti-aliasing), cut lines included.
 * - `imprimeur`: for a print shop, the A4 trim plus 3 mm of bleed on every side (MediaBox = BleedBox),
 *   colours that touch the trim extended into the bleed, crop marks in the bleed at each corner,
 *   and TrimBox / BleedBox set so that imposition software finds the cut.
 */
export const PRINT_PROFILES = ['bureau', 'imprimeur'] as const;
export type PrintProfile = (typeof PRINT_PROFILES)[number];

const MM = 72 / 25.4;
/** 3 mm, in points: 8.504. */
export const BLEED = 3 * MM;
/** Just over 5 mm, in points: the office printer's unprintable margin, with room for anti-aliasing. */
export const SAFE_INSET = 16;

export interface PageGeometry {
  /** The sheet as PDFKit sizes it (trim plus bleed). */
  mediaSize: [number, number];
  /** Where the trimmed A4 starts inside the media box: content is drawn translated by it. */
  offset: number;
  /** How far colours that touch the trim go beyond it (0: they stop inside the safe area). */
  bleed: number;
  /** Inset of things that run along the edge (the cover band, cut lines) from the trim. */
  edgeInset: number;
}

export function pageGeometry(profile: PrintProfile, trim: { width: number; height: number }): PageGeometry {
  if (profile === 'imprimeur') return { mediaSize: [trim.width + 2 * BLEED, trim.height + 2 * BLEED], offset: BLEED, bleed: BLEED, edgeInset: 0 };
  return { mediaSize: [trim.width, trim.height], offset: 0, bleed: 0, edgeInset: SAFE_INSET };
}

/**
 * Called right after a page is added: sets its boxes and moves the origin to the trim's corner.
 * Crop marks are drawn in the bleed, on the trim lines' extensions, stopping 1 pt short of the trim.
 */
export function preparePage(doc: PDFKit.PDFDocument, geometry: PageGeometry, trim: { width: number; height: number }): void {
  if (geometry.offset === 0) return;
  const o = geometry.offset;
  const [w, h] = geometry.mediaSize;
  // PDF boxes are in default user space (origin at the bottom left), in points.
  const page = doc.page as unknown as { dictionary: { data: Record<string, unknown> } };
  page.dictionary.data.BleedBox = [0, 0, w, h];
  page.dictionary.data.TrimBox = [o, o, o + trim.width, o + trim.height];
  doc.translate(o, o);
}

export function drawCropMarks(doc: PDFKit.PDFDocument, geometry: PageGeometry, trim: { width: number; height: number }): void {
  if (geometry.offset === 0) return;
  const o = geometry.offset;
  const gap = 1;
  doc.save().lineWidth(0.25).strokeColor('#000000');
  for (const x of [0, trim.width]) {
    for (const y of [0, trim.height]) {
      const sx = x === 0 ? -1 : 1;
      const sy = y === 0 ? -1 : 1;
      // Horizontal mark on the trim's horizontal line, then the vertical one.
      doc.moveTo(x + sx * gap, y).lineTo(x + sx * o, y).stroke();
      doc.moveTo(x, y + sy * gap).lineTo(x, y + sy * o).stroke();
    }
  }
  doc.restore();
}
