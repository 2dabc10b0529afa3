import { archivalPdf, ARCHIVAL_MARGIN as MARGIN } from './archival.ts';
import { formatEuros } from '../../server/shared/money.ts';
import { formatFrenchDate } from '../../server/shared/paris-time.ts';
import { FACTUR_X_FILE_NAME, FACTUR_X_PROFILE, buildFacturXml } from '../../server/modules/finance/factur-x.ts';
import { documentTotals, formatAddress, vatLabel, type FinanceDocument } from '../../server/modules/finance/finance-document.ts';
import { PDF_FONT, PDF_FONT_BOLD } from './fonts.ts';


/**
 * XMP that Factur-X 1.0 requires of the PDF/A-3 container: the fx: properties naming the attached
 * XML and its profile, and the PDF/A extension schema that declares them (PDF/A forbids undeclared
 * XMP properties).
 */
function facturXMetadata(documentType: 'INVOICE'): string {
  return `
        <rdf:Description rdf:about="" xmlns:fx="urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#">
            <fx:DocumentType>${documentType}</fx:DocumentType>
            <fx:DocumentFileName>${FACTUR_X_FILE_NAME}</fx:DocumentFileName>
            <fx:Version>1.0</fx:Version>
            <fx:ConformanceLevel>${FACTUR_X_PROFILE}</fx:ConformanceLevel>
        </rdf:Description>
        <rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
            <pdfaExtension:schemas>
                <rdf:Bag>
                    <rdf:li rdf:parseType="Resource">
                        <pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>
                        <pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#</pdfaSchema:namespaceURI>
                        <pdfaSchema:prefix>fx</pdfaSchema:prefix>
                        <pdfaSchema:property>
                            <rdf:Seq>
                                ${['DocumentFileName', 'DocumentType', 'Version', 'ConformanceLevel']
                                  .map(
                                    (name) => `<rdf:li rdf:parseType="Resource">
                                    <pdfaProperty:name>${name}</pdfaProperty:name>
                                    <pdfaProperty:valueType>Text</pdfaProperty:valueType>
                                    <pdfaProperty:category>external</pdfaProperty:category>
                                    <pdfaProperty:description>Factur-X ${name}</pdfaProperty:description>
                                </rdf:li>`,
                                  )
                                  .join('\n')}
                            </rdf:Seq>
                        </pdfaSchema:property>
                    </rdf:li>
                </rdf:Bag>
            </pdfaExtension:schemas>
        </rdf:Description>
        `;
}

/**
 * The printed document, PDF/A-3b with its Factur-X XML attached as the "Alternative" form of the
 * same content (Factur-X 1.0): both are produced from the one FinanceDocument.
 */
export function renderInvoicePdf(data: FinanceDocument): Promise<Buffer> {
  const { doc, done, issued } = archivalPdf({ subset: 'PDF/A-3b', title: `${data.title} ${data.number}`, author: data.seller.name, issuedOn: data.issuedOn });
  const xml = buildFacturXml(data);
  doc.file(Buffer.from(xml, 'utf8'), {
    name: FACTUR_X_FILE_NAME,
    type: 'text/xml',
    relationship: 'Alternative',
    description: `Factur-X ${FACTUR_X_PROFILE} — ${data.number}`,
    creationDate: issued,
    modifiedDate: issued,
  } as PDFKit.Mixins.PDFAttachmentOptions & { relationship: string });
  doc.appendXML(facturXMetadata('INVOICE'));

  const totals = documentTotals(data);
  const width = doc.page.width - 2 * MARGIN;
  doc.font(PDF_FONT_BOLD).fontSize(18).text(`${data.title} n° ${data.number}`, MARGIN, MARGIN);
  // "Émis" for an avoir (masculine), "Émise" for a facture.
  const issuedWord = data.typeCode === '381' ? 'Émis' : 'Émise';
  doc.font(PDF_FONT).fontSize(10).text(`${issuedWord} le ${formatFrenchDate(data.issuedOn)} — échéance le ${formatFrenchDate(data.dueOn)}`);
  doc.moveDown();

  const top = doc.y;
  const column = width / 2 - 10;
  doc.font(PDF_FONT_BOLD).text('Émetteur', MARGIN, top, { width: column });
  doc.font(PDF_FONT).text(
    [data.seller.name, formatAddress(data.seller.address), data.seller.siret ? `SIRET ${data.seller.siret}` : '', data.seller.vatNumber ? `TVA intracommunautaire ${data.seller.vatNumber}` : '']
      .filter(Boolean)
      .join('\n'),
    { width: column },
  );
  const leftBottom = doc.y;
  doc.font(PDF_FONT_BOLD).text('Destinataire', MARGIN + column + 20, top, { width: column });
  doc.font(PDF_FONT).text(
    [
      data.customer.name,
      formatAddress(data.customer.address),
      data.customer.siret ? `SIRET ${data.customer.siret}` : '',
      data.serviceCode ? `Code service Chorus Pro : ${data.serviceCode}` : '',
      data.engagementNumber ? `N° d’engagement juridique : ${data.engagementNumber}` : '',
    ]
      .filter(Boolean)
      .join('\n'),
    { width: column },
  );
  doc.y = Math.max(leftBottom, doc.y) + 15;
  doc.x = MARGIN;
  doc.text(`Commande ${data.orderReference}`);
  if (data.precedingInvoice) doc.text(`Avoir sur la facture n° ${data.precedingInvoice.number} du ${formatFrenchDate(data.precedingInvoice.issuedOn)}`);
  if (data.paymentArrangement) doc.text(data.paymentArrangement, { width });
  doc.moveDown();

  // Lines: label | VAT | amount excl. VAT
  const amountX = MARGIN + width - 110;
  const vatX = amountX - 130;
  const header = doc.y;
  doc.font(PDF_FONT_BOLD).text('Désignation', MARGIN, header, { width: vatX - MARGIN - 10 });
  doc.text('TVA', vatX, header, { width: 120 });
  doc.text('Montant HT', amountX, header, { width: 110, align: 'right' });
  doc.moveTo(MARGIN, doc.y + 3).lineTo(MARGIN + width, doc.y + 3).stroke();
  doc.moveDown(0.5);
  doc.font(PDF_FONT);
  for (const line of data.lines) {
    const y = doc.y;
    doc.text(line.label + (line.detail ? `\n${line.detail}` : ''), MARGIN, y, { width: vatX - MARGIN - 10 });
    const after = doc.y;
    doc.text(vatLabel(line.vat), vatX, y, { width: 120 });
    doc.text(formatEuros(line.amountCents), amountX, y, { width: 110, align: 'right' });
    doc.y = Math.max(after, doc.y) + 6;
  }
  doc.moveTo(MARGIN, doc.y).lineTo(MARGIN + width, doc.y).stroke();
  doc.moveDown(0.5);

  const total = (label: string, cents: number, bold = false) => {
    const y = doc.y;
    doc.font(bold ? PDF_FONT_BOLD : PDF_FONT).text(label, vatX - 100, y, { width: 220 });
    doc.text(formatEuros(cents), amountX, y, { width: 110, align: 'right' });
    doc.moveDown(0.3);
  };
  total('Total hors taxes', totals.totalExcludingVatCents);
  total('TVA', totals.vatCents);
  total('Total TTC', totals.totalCents, true);
  if (totals.paidCents > 0) {
    total('Déjà réglé', totals.paidCents);
    total('Reste à payer', totals.dueCents, true);
  }
  doc.moveDown();
  doc.x = MARGIN;
  doc.font(PDF_FONT).fontSize(8.5);
  for (const mention of data.mentions) doc.text(mention.text, MARGIN, doc.y, { width }).moveDown(0.3);
  doc.end();
  return done;
}
