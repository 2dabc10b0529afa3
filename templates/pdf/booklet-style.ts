/** Page geometry (PDF points, A4 portrait), colours and the text helpers shared by the booklet's cover and coupons. */
import { PDF_FONT, PDF_FONT_BOLD } from './fonts.ts';
import { formatFrenchDate } from '../../server/shared/paris-time.ts';

/** Coupons on one A4 page, cut apart along dashed lines. */
export const COUPONS_PER_PAGE = 5;

export const PAGE_W = 595.28;
export const PAGE_H = 841.89;
export const COUPON_H = PAGE_H / COUPONS_PER_PAGE;
export const MARGIN = 56;
export const BLUE = '#000091';
export const RED = '#C9191E';
export const INK = '#161616';
export const GREY = '#666666';
export const LIGHT = '#F5F5FE';
export const NBSP = '\u00a0';

export const FONT = PDF_FONT;
export const FONT_BOLD = PDF_FONT_BOLD;

export type Doc = PDFKit.PDFDocument;

/** Wrapped text that never spills onto a new page: clipped to `height` with an ellipsis. Returns the y below it. */
export function block(doc: Doc, text: string, x: number, y: number, width: number, height: number, opts: PDFKit.Mixins.TextOptions = {}): number {
  doc.text(text, x, y, { width, height, ellipsis: '…', ...opts });
  return Math.min(doc.y, y + height);
}

export function line(doc: Doc, text: string, x: number, y: number, opts: PDFKit.Mixins.TextOptions = {}): void {
  doc.text(text, x, y, { lineBreak: false, ...opts });
}

export function heading(doc: Doc, text: string, y: number): number {
  doc.font(FONT_BOLD).fontSize(14).fillColor(BLUE);
  line(doc, text, MARGIN, y);
  return y + 22;
}

/** "du 1er janvier 2027 au 31 décembre 2027" */
export function formatValidity(validFrom: string, validUntil: string): string {
  return `du ${formatFrenchDate(validFrom)} au ${formatFrenchDate(validUntil)}`;
}
