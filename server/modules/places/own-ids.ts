/**
 * Prefix of the open-data id of a site that came from no open-data file (an application): the
 * export writes `pass-numerique-<site id>` and the import reads it back as that same site.
 */
export const OWN_ID_PREFIX = 'pass-numerique-';
