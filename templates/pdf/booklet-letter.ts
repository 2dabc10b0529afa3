/**
 * The beneficiary letter printed after each booklet's cover when the buyer wrote one: the buyer's
 * words (from the French template it edits), the five nearest labelled places of the booklet's
 * territory, the buyer's contact and a box for the prescriber's stamp. One A4 page, never more:
 * every block is clipped to its place.
 */
import { PDF_FONT, PDF_FONT_BOLD } from './fonts.ts';

export interface LetterPlace {
  name: string;
  address: string;
  hours: string | null;
}

export interface BookletLetter {
  text: string;
  places: LetterPlace[];
  /** The buyer's name and address, as printed under "Contact". */
  contact: string;
}

/** The template the buyer starts from: plain words, nothing it must keep. */
export const DEFAULT_LETTER_TEXT = [
  'Madame, Monsieur,',
  '',
  'Vous recevez un carnet de pass numériques. Chaque pass paie une partie d’un atelier ou d’un accompagnement pour apprendre à utiliser un ordinateur, un téléphone ou internet : faire ses démarches en ligne, écrire un courriel, parler avec ses proches en vidéo…',
  '',
  'C’est gratuit pour vous. Choisissez un lieu ci-dessous, prenez rendez-vous et donnez vos pass le jour venu. Gardez ceux qui restent pour une prochaine fois.',
  '',
  'Nous vous souhaitons de bons ateliers.',
].join('\n');

const INK = '#161616';
const BLUE = '#000091';
const GREY = '#666666';

export function drawLetter(doc: PDFKit.PDFDocument, letter: BookletLetter, page: { width: number; height: number; margin: number }): void {
  const { width, height, margin } = page;
  const contentW = width - 2 * margin;
  doc.font(PDF_FONT_BOLD).fontSize(16).fillColor(BLUE);
  doc.text('Votre carnet Pass numérique', margin, 60, { lineBreak: false });
  doc.font(PDF_FONT).fontSize(11).fillColor(INK);
  doc.text(letter.text, margin, 96, { width: contentW, height: 300, ellipsis: '…' });

  let y = 420;
  doc.font(PDF_FONT_BOLD).fontSize(13).fillColor(BLUE);
  doc.text('Des lieux où utiliser vos pass', margin, y, { lineBreak: false });
  y += 22;
  if (letter.places.length === 0) {
    doc.font(PDF_FONT).fontSize(10).fillColor(INK);
    doc.text('Demandez la liste des lieux à la structure qui vous a remis ce carnet.', margin, y, { width: contentW, height: 28 });
    y += 28;
  }
  for (const place of letter.places.slice(0, 5)) {
    doc.font(PDF_FONT_BOLD).fontSize(10).fillColor(INK);
    doc.text(place.name, margin, y, { width: contentW, height: 13, ellipsis: '…', lineBreak: false });
    doc.font(PDF_FONT).fontSize(9).fillColor(GREY);
    doc.text([place.address, place.hours].filter(Boolean).join(' — '), margin, y + 13, { width: contentW, height: 12, ellipsis: '…', lineBreak: false });
    y += 32;
  }

  // Contact on the left, the prescriber's stamp on the right, above the bottom margin.
  const boxTop = height - 200;
  const boxW = 200;
  doc.font(PDF_FONT_BOLD).fontSize(10).fillColor(INK);
  doc.text('Contact', margin, boxTop, { lineBreak: false });
  doc.font(PDF_FONT).fontSize(9).fillColor(INK);
  doc.text(letter.contact, margin, boxTop + 16, { width: contentW - boxW - 20, height: 80, ellipsis: '…' });
  doc.save().lineWidth(0.75).strokeColor(GREY).dash(3, { space: 2 });
  doc.rect(width - margin - boxW, boxTop, boxW, 110).stroke();
  doc.undash().restore();
  doc.font(PDF_FONT).fontSize(8).fillColor(GREY);
  doc.text('Cachet de la structure qui vous a remis ce carnet', width - margin - boxW + 8, boxTop + 8, { width: boxW - 16, height: 24 });
}
