/** The booklet's cover: buyer, validity, value, territory, allowed services, the public link and the buyer's design. */
import { formatEuros } from '../../server/shared/money.ts';
import { drawQrCode } from '../../server/modules/booklets/qr-vector.ts';
import type { BookletPrintData } from './booklet-data.ts';
import type { PageGeometry } from './print-profile.ts';
import { BLUE, FONT, FONT_BOLD, GREY, INK, LIGHT, MARGIN, NBSP, PAGE_H, PAGE_W, block, formatValidity, heading, line, type Doc } from './booklet-style.ts';

/**
 * An order restricted to some services (issue 18) says so on the cover, so the holder and the place
 * know before the service is given; the redemption refuses the others (`service_not_allowed`).
 * Nothing is printed for an unrestricted order. Returns the y below.
 */
export function drawAllowedServices(doc: Doc, services: readonly string[] | null, y: number, width: number): number {
  if (!services || services.length === 0) return y;
  y = heading(doc, 'Pour quels services ?', y);
  doc.font(FONT).fontSize(11).fillColor(INK);
  const text = `${services.length === 1 ? 'Ces pass paient seulement ce service' : 'Ces pass paient seulement ces services'} : ${services.join(' ; ')}.`;
  return block(doc, text, MARGIN, y, width, 44) + 10;
}

export function drawCover(doc: Doc, b: BookletPrintData, uniqueText: PDFKit.Mixins.TextOptions, geometry: PageGeometry, logo: unknown): void {
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

