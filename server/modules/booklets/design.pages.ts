/**
 * The buyer's booklet-design page: cover title and message, beneficiary letter, and the logo
 * uploaded from the browser (multipart/form-data), with a preview. Every refusal re-renders the
 * page with what the buyer typed and the French message next to its field; nothing is saved then.
 */
import fastifyMultipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { formErrors, type FormErrors } from '../../shared/forms.ts';
import { DomainError } from '../../shared/problem.ts';
import { findOrderFor } from '../order-records/order-records.repository.ts';
import { DEFAULT_LETTER_TEXT } from '../../../templates/pdf/booklet-letter.ts';
import { LOGO_MAX_BYTES } from './logo.ts';
import { COVER_MESSAGE_MAX, COVER_TITLE_MAX, LETTER_TEXT_MAX, printSettingsInput } from './print-settings.schemas.ts';
import * as printSettings from './print-settings.service.ts';
import { logoNotFound } from './booklets.errors.ts';
import { orderNotFound } from '../order-records/order-records.errors.ts';

const hide = { hide: true };
const orderParams = z.object({ orderId: z.string().max(64) });

interface DesignValues {
  coverTitle: string;
  coverMessage: string;
  letterText: string;
  withLetter: boolean;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
/**
 * Browsers name a file's type from its extension (a PNG renamed .bin comes as octet-stream): the
 * first bytes decide between PNG and JPEG; anything else keeps its declared type and is refused by name.
 */
function sniffedType(data: Buffer, declared: string): string {
  if (data.subarray(0, 4).equals(PNG_SIGNATURE)) return 'image/png';
  if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  return declared;
}

const messages: Record<string, string> = {
  logo: 'Logo enregistré : une nouvelle version du BAT est prête.',
  presentation: 'Présentation enregistrée : une nouvelle version du BAT est prête.',
};

export const designPages: FastifyPluginAsync = async (app) => {
  // Only this plugin's routes parse multipart bodies; the file is capped at 1 MB while it streams in.
  await app.register(fastifyMultipart, { limits: { fileSize: LOGO_MAX_BYTES, files: 1, fields: 4, fieldSize: 1000, parts: 6 }, throwFileSizeLimit: false });

  const render = (request: FastifyRequest, reply: FastifyReply, orderId: string, extra: { values?: DesignValues; errors?: FormErrors; formError?: string } = {}) => {
    const actor = requireActor(request);
    const order = findOrderFor(app.db, actor, orderId);
    if (!order) throw orderNotFound();
    const design = printSettings.printSettingsFor({ db: app.db, actor, orderId });
    const issued = order.status === 'approved' || order.status === 'closed';
    const values: DesignValues = extra.values ?? {
      coverTitle: design.coverTitle ?? '',
      coverMessage: design.coverMessage ?? '',
      letterText: design.letterText ?? DEFAULT_LETTER_TEXT,
      withLetter: design.letterText !== null,
    };
    const logo = printSettings.currentLogo({ db: app.db, actor, orderId });
    return reply.renderPage('pages/booklets/design.eta', {
      title: `Présentation des carnets — commande ${order.reference}`,
      order: { id: order.id, reference: order.reference },
      design,
      issued,
      editable: issued && design.editable,
      values,
      errors: extra.errors ?? {},
      formError: extra.formError,
      success: messages[String((request.query as { message?: unknown }).message ?? '')],
      logoSrc: logo ? `/commandes/${order.id}/logo?v=${logo.sha256.slice(0, 12)}` : null,
      limits: { title: COVER_TITLE_MAX, message: COVER_MESSAGE_MAX, letter: LETTER_TEXT_MAX },
    });
  };

  app.get('/commandes/:orderId/presentation', { schema: hide, config: allow('buyer:*', 'operator:*') }, async (request, reply) =>
    render(request, reply, orderParams.parse(request.params).orderId),
  );

  app.post('/commandes/:orderId/presentation', { schema: hide, config: allow('buyer:*') }, async (request, reply) => {
    const { orderId } = orderParams.parse(request.params);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const text = (key: string) => (typeof body[key] === 'string' ? (body[key] as string) : '');
    const values: DesignValues = { coverTitle: text('coverTitle'), coverMessage: text('coverMessage'), letterText: text('letterText'), withLetter: body.withLetter === 'on' };
    const parsed = printSettingsInput.safeParse({ coverTitle: values.coverTitle, coverMessage: values.coverMessage, letterText: values.withLetter ? values.letterText : null });
    if (!parsed.success) return render(request, reply.code(400), orderId, { values, errors: formErrors(parsed.error), formError: 'Présentation non enregistrée : vérifiez les champs signalés.' });
    try {
      printSettings.updatePrintSettings({ db: app.db, clock: app.clock, actor: requireActor(request), orderId, input: parsed.data });
    } catch (error) {
      if (!(error instanceof DomainError) || error.status === 404) throw error;
      return render(request, reply.code(error.status), orderId, { values, formError: error.message });
    }
    return reply.redirect(`/commandes/${orderId}?message=presentation#presentation`, 303);
  });

  /**
   * The upload form. The CSRF check runs here, once the multipart fields are read: the auth
   * plugin's check runs before any body parser of a child plugin, when `_csrf` is not yet known.
   */
  app.post('/commandes/:orderId/logo', { schema: hide, config: { ...allow('buyer:*'), csrf: false } }, async (request, reply) => {
    const { orderId } = orderParams.parse(request.params);
    const refuse = (message: string, status = 400) => render(request, reply.code(status), orderId, { errors: { logo: message }, formError: 'Logo non enregistré.' });
    if (!request.isMultipart()) return refuse('Choisissez un fichier PNG ou JPEG.');
    const fields: Record<string, string> = {};
    let file: { data: Buffer; type: string; truncated: boolean } | undefined;
    try {
      for await (const part of request.parts()) {
        if (part.type === 'file') {
          const data = await part.toBuffer();
          if (part.fieldname === 'logo' && part.filename) file = { data, type: part.mimetype, truncated: part.file.truncated };
        } else if (typeof part.value === 'string') fields[part.fieldname] = part.value;
      }
    } catch {
      return refuse('Envoyez un seul fichier, PNG ou JPEG, de 1 Mo au maximum.');
    }
    request.body = fields;
    await new Promise<void>((resolve, reject) => app.csrfProtection(request, reply, (err?: Error) => (err ? reject(err) : resolve())));
    if (!file) return refuse('Choisissez un fichier PNG ou JPEG.');
    if (file.truncated) return refuse('Logo trop lourd : 1 Mo au maximum.');
    try {
      printSettings.putLogo({ db: app.db, clock: app.clock, actor: requireActor(request), orderId, contentType: sniffedType(file.data, file.type), body: file.data });
    } catch (error) {
      if (!(error instanceof DomainError) || error.status === 404) throw error;
      return refuse(error.message, error.status);
    }
    return reply.redirect(`/commandes/${orderId}/presentation?message=logo#logo`, 303);
  });

  // The preview: the re-encoded image, as it will be printed (never the uploaded bytes).
  app.get('/commandes/:orderId/logo', { schema: hide, config: allow('buyer:*', 'operator:*') }, async (request, reply) => {
    const { orderId } = orderParams.parse(request.params);
    const logo = printSettings.currentLogo({ db: app.db, actor: requireActor(request), orderId });
    if (!logo) throw logoNotFound();
    return reply.type(logo.mime).header('cache-control', 'private, max-age=300').header('x-content-type-options', 'nosniff').send(logo.data);
  });
};
