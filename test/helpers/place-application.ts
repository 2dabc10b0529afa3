/**
 * A place's application to the label as the public form sends it (POST /api/v1/places/applications):
 * SIRET and IBAN spaced and the BIC in lower case as people type them, an e-mail in mixed case, one
 * site in Muret (31). Tests spread it and change what they are about.
 */
export const placeApplication = {
  name: 'Tiers-lieu numérique de Muret',
  siret: '324 000 000 12348',
  legalRepresentative: 'Marie Dupont, présidente',
  contactEmail: 'Contact@TiersLieu-Muret.example',
  iban: 'FR76 3000 4000 0312 3456 7890 143',
  bic: 'agrifrpp',
  sites: [{ name: 'Tiers-lieu', address: '5 avenue Jacques Douzans', postalCode: '31600', communeCode: '31395', services: ['Aide aux démarches administratives'], free: true }],
};
