/** What a booklet's print file is made from: the order's facts and the buyer's design. */
import type { BookletLetter } from './booklet-letter.ts';

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
