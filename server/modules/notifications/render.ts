import { MESSAGES, type MessageContent, type MessageData, type MessageTemplate } from './messages.ts';

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
  content: MessageContent;
  /** The absolute link the message leads to. */
  url: string;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const SIGNATURE = 'L’équipe du Pass numérique';
const FOOTER = 'Ce message est envoyé automatiquement : n’y répondez pas.';

export function subjectOf(template: MessageTemplate, data: MessageData): string {
  return MESSAGES[template].subject(data);
}

/**
 * Plain text and simple HTML of one message, with its link made absolute from PUBLIC_URL. Rendered
 * at delivery (and on the operator's page), never inside the transaction that queued it.
 */
export function renderMessage(template: MessageTemplate, data: MessageData, publicUrl: string): RenderedMessage {
  const definition = MESSAGES[template];
  const content = definition.body(data);
  const url = `${publicUrl}${content.link.path}`;
  const text = [...content.paragraphs, `${content.link.label} : ${url}`, '', SIGNATURE, '', FOOTER].join('\n\n').replace(/\n{3,}/g, '\n\n');
  const html = [
    '<!doctype html><html lang="fr"><head><meta charset="utf-8"></head>',
    '<body style="font-family: Marianne, Arial, sans-serif; color: #161616; line-height: 1.5;">',
    ...content.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    `<p><a href="${escapeHtml(url)}" style="color: #000091; font-weight: bold;">${escapeHtml(content.link.label)}</a></p>`,
    `<p style="font-size: 0.9em; color: #666;">Si le lien ne s’ouvre pas, copiez cette adresse dans votre navigateur : ${escapeHtml(url)}</p>`,
    `<p>${escapeHtml(SIGNATURE)}</p>`,
    `<p style="font-size: 0.8em; color: #666;">${escapeHtml(FOOTER)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject: definition.subject(data), text, html, content, url };
}
