import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { renderAttestationPdf } from '../../../templates/pdf/attestation.ts';
import { allow, requireActor } from '../../plugins/auth.ts';
import { parisDate } from '../../shared/paris-time.ts';
import { attestationYearMissing } from './finance.errors.ts';
import { attestationFileName, attestationYear } from './attestations.api.ts';
import { attestablePlaces, attestationYears, findPlaceOrganisation, placeAttestation } from './attestations.ts';

const hide = { hide: true };

/**
 * The yearly attestation from the pages: a place picks a year on "Mon lieu" (GET form, nothing
 * changes); finance picks a place and a year on /finances/attestations. Both send the API's PDF.
 */
export const attestationsPages: FastifyPluginAsync = async (app) => {
  const today = () => parisDate(app.clock.now());
  const sendPdf = async (reply: FastifyReply, placeId: string, year: number) => {
    const data = placeAttestation(app.db, { placeId, year, issuedOn: today() });
    reply.type('application/pdf').header('content-disposition', `attachment; filename="${attestationFileName(year, data.place.name)}"`);
    return reply.send(await renderAttestationPdf(data));
  };

  app.get('/mon-lieu/attestation', { schema: hide, config: allow('place:*') }, async (request, reply) => {
    const year = attestationYear.safeParse((request.query as { annee?: string }).annee);
    if (!year.success) throw attestationYearMissing();
    return sendPdf(reply, requireActor(request).organisationId, year.data);
  });

  app.get('/finances/attestations', { schema: hide, config: allow('operator:finance', 'operator:admin') }, async (request, reply) => {
    const query = request.query as { lieu?: string; annee?: string };
    const years = attestationYears(today());
    const values = { lieu: String(query.lieu ?? ''), annee: String(query.annee ?? years[1] ?? years[0]) };
    if (query.lieu !== undefined || query.annee !== undefined) {
      const errors: Record<string, string> = {};
      const place = values.lieu ? findPlaceOrganisation(app.db, values.lieu.slice(0, 64)) : undefined;
      if (!place) errors.lieu = 'Choisissez le lieu.';
      const year = attestationYear.safeParse(values.annee);
      if (!year.success || year.data > Number(today().slice(0, 4))) errors.annee = 'Choisissez une année écoulée ou l’année en cours.';
      if (place && year.success && Object.keys(errors).length === 0) return sendPdf(reply, place.id, year.data);
      reply.code(400);
      return reply.renderPage('pages/finance/attestations.eta', { title: 'Attestations des lieux', places: attestablePlaces(app.db), years, values, errors, formError: 'Vérifiez les champs signalés.' });
    }
    return reply.renderPage('pages/finance/attestations.eta', { title: 'Attestations des lieux', places: attestablePlaces(app.db), years, values, errors: {} });
  });
};
