import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { isConfirmed, renderConfirmation } from '../../shared/confirmation.ts';
import { formErrors, formFields, type FormErrors } from '../../shared/forms.ts';
import { DomainError } from '../../shared/problem.ts';
import { isOperator } from '../identity/actor.ts';
import { addPrescriberBody, PRESCRIBER_KIND_LABELS } from './prescribers.schemas.ts';
import { addPrescriber, prescriberForOperator, setPrescriberSuspended } from './prescribers.service.ts';
import { replyPrescriberList } from './prescribers.list.ts';

const hide = { hide: true };
const FIELDS = ['name', 'siret', 'kind', 'communeCode', 'contactEmail'] as const;
const prescriberParams = z.object({ prescriberId: z.string().max(64) });

/** Where a refusal of the service belongs on the form: next to the field it is about. */
const FIELD_OF_CODE: Record<string, (typeof FIELDS)[number]> = {
  siret_used_by_other_organisation: 'siret',
  email_already_used: 'contactEmail',
};

const MESSAGES: Record<string, string> = {
  ajoute: 'Prescripteur ajouté : son contact a reçu par courriel le lien pour ouvrir son compte. Vous pouvez le désigner sur vos commandes.',
  reutilise: 'Ce prescripteur existait déjà : il est ajouté à votre réseau, ses utilisateurs gardent leur compte et en sont avertis.',
  suspendu: 'Prescripteur suspendu : il ne peut plus être désigné.',
  retabli: 'Prescripteur rétabli.',
};

/**
 * "Prescripteurs": a buyer's admin builds its network here (the same addPrescriber as
 * POST /api/v1/prescribers, errors in place, then POST/redirect/GET); the operator sees every
 * prescriber with who added it, and suspends or reinstates one after a confirmation page.
 */
export const prescribersPages: FastifyPluginAsync = async (app) => {
  const deps = { db: app.db, clock: app.clock };

  const render = (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) => {
    const actor = requireActor(request);
    const message = (request.query as { message?: string }).message;
    return replyPrescriberList(app.db, actor, request, reply, {
      title: 'Prescripteurs',
      isOperator: isOperator(actor),
      canAdd: actor.organisationKind === 'buyer' && actor.role === 'admin',
      canSuspend: isOperator(actor) && actor.role === 'admin',
      kinds: Object.entries(PRESCRIBER_KIND_LABELS).map(([value, label]) => ({ value, label })),
      success: MESSAGES[message ?? ''],
      values: {},
      errors: {},
      ...extra,
    });
  };

  app.get('/prescripteurs', { schema: hide, config: allow('buyer:*', 'operator:*') }, async (request, reply) => render(request, reply));

  app.post('/prescripteurs', { schema: hide, config: allow('buyer:admin') }, async (request, reply) => {
    const fields = formFields(request.body);
    const values = Object.fromEntries(FIELDS.map((f) => [f, fields[f] ?? '']));
    const parsed = addPrescriberBody.safeParse(values);
    if (!parsed.success) return render(request, reply.code(400), { values, errors: formErrors(parsed.error), formError: 'Vérifiez les champs signalés.' });
    try {
      const { created } = addPrescriber({ ...deps, actor: requireActor(request), input: parsed.data });
      return reply.redirect(`/prescripteurs?message=${created ? 'ajoute' : 'reutilise'}`, 303);
    } catch (error) {
      if (!(error instanceof DomainError) || error.status >= 500) throw error;
      const errors: FormErrors = {};
      const field = FIELD_OF_CODE[error.code];
      if (field) errors[field] = error.message;
      return render(request, reply.code(error.status), { values, errors, formError: error.message });
    }
  });

  for (const [segment, suspended] of [['suspendre', true], ['retablir', false]] as const) {
    app.post(`/prescripteurs/:prescriberId/${segment}`, { schema: hide, config: allow('operator:admin') }, async (request, reply) => {
      const { prescriberId } = prescriberParams.parse(request.params);
      const actor = requireActor(request);
      const prescriber = prescriberForOperator({ db: app.db, actor, prescriberId });
      if (!isConfirmed(request.body)) {
        return renderConfirmation(request, reply, {
          title: suspended ? `Suspendre ${prescriber.name} ?` : `Rétablir ${prescriber.name} ?`,
          facts: [
            { label: 'Prescripteur', value: prescriber.name },
            { label: 'SIRET', value: prescriber.siret ?? '—' },
          ],
          consequences: suspended
            ? [
                'Aucun commanditaire ne pourra plus le désigner sur une commande.',
                'Ses utilisateurs gardent leur compte et les carnets déjà confiés restent dans son stock.',
                'Vous pourrez le rétablir depuis cette page.',
              ]
            : ['Les commanditaires pourront de nouveau le désigner sur leurs commandes.'],
          confirmLabel: suspended ? 'Suspendre le prescripteur' : 'Rétablir le prescripteur',
          cancelHref: '/prescripteurs',
          irreversible: suspended,
        });
      }
      setPrescriberSuspended({ ...deps, actor, prescriberId, suspended });
      return reply.redirect(`/prescripteurs?message=${suspended ? 'suspendu' : 'retabli'}`, 303);
    });
  }
};
