import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { formErrors, type FormErrors } from '../../shared/forms.ts';
import { DomainError } from '../../shared/problem.ts';
import { BUYER_TYPE_LABELS } from '../accounts/accounts.schemas.ts';
import { PROGRAM_FORM_FIELDS, createProgramBody, programFormToBody } from './programs.schemas.ts';
import * as programs from './programs.service.ts';
import type { ProgramRow } from './programs.repository.ts';
import { createPublicCategoryBody } from './public-categories.schemas.ts';
import * as categories from './public-categories.service.ts';
import { replyProgramList } from './programs.list.ts';
import { replyPublicCategoryList } from './public-categories.list.ts';

const hide = { hide: true };
const programParams = z.object({ id: z.string().max(64) });
const categoryParams = z.object({ code: z.string().max(64) });
const buyerTypeOptions = Object.entries(BUYER_TYPE_LABELS).map(([value, label]) => ({ value, label }));

type FormValues = Record<string, unknown>;

function formBody(request: FastifyRequest): FormValues {
  return Object.fromEntries(Object.entries((request.body ?? {}) as FormValues).filter(([key]) => key !== '_csrf'));
}

/** Errors keyed by API field → keyed by the form input that holds that value. */
function toFormKeys(errors: FormErrors | { path: string; message: string }[]): FormErrors {
  const entries = Array.isArray(errors) ? errors.map((e) => [e.path, e.message] as const) : Object.entries(errors);
  const out: FormErrors = {};
  for (const [path, message] of entries) {
    const key = PROGRAM_FORM_FIELDS[path] ?? PROGRAM_FORM_FIELDS[path.split('.')[0] ?? ''] ?? path.split('.')[0] ?? '_form';
    out[key] ??= message;
  }
  return out;
}

/** Whole euros read better in an input than "15000000,00"; cents are kept when there are some. */
function centsToInput(cents: number | null): string {
  if (cents === null) return '';
  return cents % 100 === 0 ? String(cents / 100) : `${Math.trunc(cents / 100)},${String(cents % 100).padStart(2, '0')}`;
}

function programToForm(row: ProgramRow): FormValues {
  return {
    name: row.name,
    ratePercent: centsToInput(row.rateBasisPoints),
    eligibleBuyerTypes: row.eligibleBuyerTypes,
    envelopeEuros: centsToInput(row.envelopeCents),
    minOrderEuros: centsToInput(row.minOrderCents),
    perBuyerCapEuros: centsToInput(row.perBuyerCapCents),
    startsOn: row.startsOn,
    endsOn: row.endsOn,
    payerName: row.payer?.name ?? '',
    payerSiret: row.payer?.siret ?? '',
    payerLine: row.payer?.address.line ?? '',
    payerPostalCode: row.payer?.address.postalCode ?? '',
    payerCity: row.payer?.address.city ?? '',
    payerServiceCode: row.payer?.serviceCode ?? '',
    payerEngagementNumber: row.payer?.engagementNumber ?? '',
  };
}

/** Checkbox groups post nothing, one string or several: the template wants a list. */
function withTypeList(values: FormValues): FormValues {
  const types = values.eligibleBuyerTypes;
  return { ...values, eligibleBuyerTypes: types === undefined ? [] : Array.isArray(types) ? types : [types] };
}

export const programsPages: FastifyPluginAsync = async (app) => {
  const deps = { db: app.db, clock: app.clock };

  // --- Co-financing programmes ------------------------------------------------------------------

  const renderPrograms = (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) => {
    const actor = requireActor(request);
    return replyProgramList(app.db, request, reply, {
      title: 'Programmes de cofinancement',
      canManage: actor.role === 'admin',
      buyerTypeOptions,
      buyerTypeLabels: BUYER_TYPE_LABELS,
      values: { eligibleBuyerTypes: ['commune', 'epci', 'departement', 'region'] },
      ...extra,
    });
  };

  app.get('/programmes', { schema: hide, config: allow('operator:*') }, async (request, reply) => {
    const message = (request.query as Record<string, string | undefined>).message;
    const success = { cree: 'Programme créé.', modifie: 'Programme modifié.', cloture: 'Programme clôturé : il n’engage plus de nouveaux montants.' }[message ?? ''];
    return renderPrograms(request, reply, { success });
  });

  app.post('/programmes', { schema: hide, config: allow('operator:admin') }, async (request, reply) => {
    const values = formBody(request);
    const parsed = createProgramBody.safeParse(programFormToBody(values));
    if (!parsed.success) {
      return renderPrograms(request, reply.code(400), {
        values: withTypeList(values),
        errors: toFormKeys(formErrors(parsed.error)),
        formError: 'Vérifiez les champs signalés.',
      });
    }
    programs.createProgram({ ...deps, actor: requireActor(request), input: parsed.data });
    return reply.redirect('/programmes?message=cree', 303);
  });

  const renderEdit = (reply: FastifyReply, program: ProgramRow, extra: Record<string, unknown> = {}) =>
    reply.renderPage('pages/programs/program-edit.eta', {
      title: `Modifier ${program.name}`,
      program: programs.programToView(program),
      values: programToForm(program),
      buyerTypeOptions,
      ...extra,
    });

  app.get('/programmes/:id/modifier', { schema: hide, config: allow('operator:admin') }, async (request, reply) => {
    const { id } = programParams.parse(request.params);
    return renderEdit(reply, programs.getProgram({ db: app.db, id }));
  });

  app.post('/programmes/:id/modifier', { schema: hide, config: allow('operator:admin') }, async (request, reply) => {
    const { id } = programParams.parse(request.params);
    const program = programs.getProgram({ db: app.db, id });
    const values = formBody(request);
    const rerender = (status: number, extra: Record<string, unknown>) =>
      renderEdit(reply.code(status), program, { values: withTypeList(values), formError: 'Vérifiez les champs signalés.', ...extra });
    // The edit form posts every field, so it is checked like a creation, then applied as an edit.
    const parsed = createProgramBody.safeParse(programFormToBody(values));
    if (!parsed.success) return rerender(400, { errors: toFormKeys(formErrors(parsed.error)) });
    try {
      programs.updateProgram({
        ...deps,
        actor: requireActor(request),
        id,
        // Every field is posted: emptied optional values, the payer included, are cleared.
        input: { ...parsed.data, minOrderCents: parsed.data.minOrderCents ?? null, perBuyerCapCents: parsed.data.perBuyerCapCents ?? null, payer: parsed.data.payer ?? null },
      });
    } catch (error) {
      if (!(error instanceof DomainError) || error.status === 404) throw error;
      const errors = error.code === 'envelope_below_committed' ? { envelopeEuros: error.message } : toFormKeys(error.errors ?? []);
      return rerender(error.status, { errors, formError: error.code === 'envelope_below_committed' ? error.message : 'Vérifiez les champs signalés.' });
    }
    return reply.redirect('/programmes?message=modifie', 303);
  });

  app.post('/programmes/:id/cloturer', { schema: hide, config: allow('operator:admin') }, async (request, reply) => {
    const { id } = programParams.parse(request.params);
    programs.closeProgram({ ...deps, actor: requireActor(request), id });
    return reply.redirect('/programmes?message=cloture', 303);
  });

  // --- Public categories --------------------------------------------------------------------------

  const renderPublics = (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) => {
    const actor = requireActor(request);
    return replyPublicCategoryList(app.db, request, reply, {
      title: 'Publics',
      canManage: actor.role === 'admin',
      ...extra,
    });
  };

  app.get('/publics', { schema: hide, config: allow('operator:*') }, async (request, reply) => {
    const message = (request.query as Record<string, string | undefined>).message;
    const success = { ajoute: 'Public ajouté.', active: 'Public réactivé.', desactive: 'Public désactivé : il n’est plus proposé aux nouvelles commandes.' }[message ?? ''];
    return renderPublics(request, reply, { success });
  });

  app.post('/publics', { schema: hide, config: allow('operator:admin') }, async (request, reply) => {
    const values = formBody(request);
    const parsed = createPublicCategoryBody.safeParse({ code: values.code, label: values.label, priority: values.priority !== undefined });
    if (!parsed.success) {
      return renderPublics(request, reply.code(400), { values, errors: formErrors(parsed.error), formError: 'Vérifiez les champs signalés.' });
    }
    try {
      categories.createPublicCategory({ ...deps, actor: requireActor(request), input: parsed.data });
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'public_category_exists') throw error;
      return renderPublics(request, reply.code(error.status), { values, errors: { code: error.message }, formError: error.message });
    }
    return reply.redirect('/publics?message=ajoute', 303);
  });

  for (const [segment, active] of [['activer', true], ['desactiver', false]] as const) {
    app.post(`/publics/:code/${segment}`, { schema: hide, config: allow('operator:admin') }, async (request, reply) => {
      const { code } = categoryParams.parse(request.params);
      categories.updatePublicCategory({ ...deps, actor: requireActor(request), code, input: { active } });
      return reply.redirect(`/publics?message=${active ? 'active' : 'desactive'}`, 303);
    });
  }
};
