/**
 * The national list of services of the digital-mediation places standard (schéma des lieux de
 * médiation numérique v1), taken from ANCT's own library so that labels match the open data exactly.
 */
import { Service } from '@gouvfr-anct/lieux-de-mediation-numerique';

export const PLACE_SERVICES = Object.values(Service) as [Service, ...Service[]];
export type PlaceService = (typeof PLACE_SERVICES)[number];

const KNOWN = new Set<string>(PLACE_SERVICES);
const byFoldedLabel = new Map(PLACE_SERVICES.map((s) => [fold(s), s]));

function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

export function isPlaceService(value: string): value is PlaceService {
  return KNOWN.has(value);
}

/** A service label as found in files (case, accents and spacing vary between producers), or undefined. */
export function matchPlaceService(label: string): PlaceService | undefined {
  return isPlaceService(label) ? label : byFoldedLabel.get(fold(label));
}

/**
 * data·inclusion `thematiques` → services of the standard. Same table as ANCT's converter
 * (fromSchemaDataInclusion), which the library does not export on its own.
 */
export const DATA_INCLUSION_THEMATIQUES: Readonly<Record<string, PlaceService>> = {
  'numerique--devenir-autonome-dans-les-demarches-administratives': Service.AideAuxDemarchesAdministratives,
  'numerique--realiser-des-demarches-administratives-avec-un-accompagnement': Service.AideAuxDemarchesAdministratives,
  'numerique--accompagner-les-demarches-de-sante': Service.AideAuxDemarchesAdministratives,
  'numerique--prendre-en-main-un-smartphone-ou-une-tablette': Service.MaitriseDesOutilsNumeriquesDuQuotidien,
  'numerique--prendre-en-main-un-ordinateur': Service.MaitriseDesOutilsNumeriquesDuQuotidien,
  'numerique--utiliser-le-numerique-au-quotidien': Service.MaitriseDesOutilsNumeriquesDuQuotidien,
  'numerique--approfondir-ma-culture-numerique': Service.ComprehensionDuMondeNumerique,
  'numerique--favoriser-mon-insertion-professionnelle': Service.InsertionProfessionnelleViaLeNumerique,
  'numerique--acceder-a-une-connexion-internet': Service.AccesInternetEtMaterielInformatique,
  'numerique--acceder-a-du-materiel': Service.AccesInternetEtMaterielInformatique,
  'numerique--s-equiper-en-materiel-informatique': Service.MaterielInformatiqueAPrixSolidaire,
  'numerique--creer-et-developper-mon-entreprise': Service.InsertionProfessionnelleViaLeNumerique,
  'numerique--creer-avec-le-numerique': Service.LoisirsEtCreationsNumeriques,
  'numerique--promouvoir-la-citoyennete-numerique': Service.ComprehensionDuMondeNumerique,
  'numerique--soutenir-la-parentalite-et-l-education-avec-le-numerique': Service.ParentaliteEtEducationAvecLeNumerique,
};
