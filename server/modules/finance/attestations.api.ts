import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { renderAttestationPdf } from '../../../templates/pdf/attestation.ts';
import { allow, requireActor } from '../../plugins/auth.ts';
import { parisDate } from '../../shared/paris-time.ts';
import { placeNotFound } from '../places/places.errors.ts';
import { errorResponses, id } from '../../shared/schemas.ts';
import { canSeeOrganisation } from '../identity/actor.ts';
import { ATTESTATION_FIRST_YEAR, placeAttestation } from './attestations.ts';

export const attestationYear = z.coerce.number().int('année attendue, par exemple 2026').min(ATTESTATION_FIRST_YEAR, `année ${ATTESTATION_FIRST_YEAR} ou suivante attendue`).max(2100);

/** File name of a place's attestation: the year and the place, no spaces. */
export const attestationFileName = (year: number, placeName: string) =>
  `attestation-remboursements-${year}-${placeName.normalize('NFKD').replace(/\p{M}/gu, '').replace(/[^\w-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'lieu'}.pdf`;

/** The yearly attestation of counter-payments: a place its own, finance any place's. */
export const attestationsApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/places/:placeId/attestations/:year.pdf',
    {
      config: allow('place:*', 'operator:finance', 'operator:admin'),
      schema: {
        summary: 'Attestation annuelle des remboursements reçus par un lieu (PDF/A)',
        description:
          'Pour son comptable public : par mois de l’année civile, le nombre de pass remboursés et le montant versé (date d’exécution des virements, heure de Paris), le total, les références des virements. Un virement rejeté par la banque n’est pas compté. Un lieu ne voit que la sienne (404 sinon).',
        tags: ['Remboursements'],
        params: z.object({ placeId: id, year: attestationYear }),
        produces: ['application/pdf'],
        response: { 200: z.any().describe('Document PDF'), ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const { placeId, year } = request.params;
      if (!canSeeOrganisation(requireActor(request), placeId)) throw placeNotFound();
      const data = placeAttestation(app.db, { placeId, year, issuedOn: parisDate(app.clock.now()) });
      reply.type('application/pdf').header('content-disposition', `attachment; filename="${attestationFileName(year, data.place.name)}"`);
      return reply.send(await renderAttestationPdf(data));
    },
  );
};
