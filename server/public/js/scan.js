// Scan page: camera scanning, live check of a typed code, and the verdict announced in a live region.
// Without JavaScript the form still posts to /encaisser and the server renders the same verdict.
import { cleanPassCodeInput, formatPassCode, isCheckCharacterValid, PASS_CODE_LENGTH } from './pass-code-check.js';

const BARCODE_DETECTOR = '/vendor/barcode-detector/ponyfill.js';
const ZXING_DIR = '/vendor/zxing-wasm/';
const SCAN_INTERVAL_MS = 150;

const euros = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' });
const dateTime = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' });

/** A QR code holds `…/P/<code>`; a keyboard-wedge scanner types the same URL into the field. */
function codeFromScan(raw) {
  const match = /\/p\/([^/?#\s]+)\/?(?:[?#].*)?$/i.exec(String(raw).trim());
  return match ? decodeURIComponent(match[1]) : String(raw);
}

function el(tag, attributes, children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
  for (const child of children || []) node.append(child);
  return node;
}

const form = document.getElementById('scan-form');
if (form) init(form);

function init(form) {
  const titles = JSON.parse(form.dataset.titles || '{}');
  const input = document.getElementById('code');
  const group = document.getElementById('code-group');
  const messages = document.getElementById('code-messages');
  const verdict = document.getElementById('verdict');
  const csrfToken = form.querySelector('input[name="_csrf"]').value;
  let busy = false;

  // --- Live check of the typed code -------------------------------------------------------------

  function showMessage(kind, text) {
    group.classList.toggle('fr-input-group--error', kind === 'error');
    group.classList.toggle('fr-input-group--valid', kind === 'valid');
    input.classList.toggle('fr-input--error', kind === 'error');
    input.classList.toggle('fr-input--valid', kind === 'valid');
    messages.replaceChildren();
    if (text) messages.append(el('p', { class: `fr-message fr-message--${kind}` }, [text]));
  }

  /** 'empty' | 'partial' | 'invalid' | 'ok', with the message shown under the field. */
  function checkTyped() {
    const raw = input.value;
    if (raw.trim() === '') {
      showMessage('info', '');
      return 'empty';
    }
    const code = cleanPassCodeInput(codeFromScan(raw));
    if (code === null) {
      showMessage('error', 'Caractère non autorisé : un code ne contient que des chiffres et des lettres (jamais de U).');
      return 'invalid';
    }
    if (code.length < PASS_CODE_LENGTH) {
      showMessage('info', `${code.length} caractère(s) sur ${PASS_CODE_LENGTH}.`);
      return 'partial';
    }
    if (code.length > PASS_CODE_LENGTH) {
      showMessage('error', `Trop de caractères : un code en compte ${PASS_CODE_LENGTH}.`);
      return 'invalid';
    }
    if (!isCheckCharacterValid(code)) {
      showMessage('error', 'Code incorrect : un caractère est mal saisi. Vérifiez chaque caractère ou scannez le QR code.');
      return 'invalid';
    }
    showMessage('valid', 'Code complet et cohérent.');
    return 'ok';
  }

  input.addEventListener('input', () => {
    const atEnd = input.selectionStart === input.value.length;
    const code = cleanPassCodeInput(codeFromScan(input.value));
    // Reformat only while typing at the end, so editing in the middle never moves the caret.
    if (code !== null && atEnd && input.value.indexOf('/') < 0) input.value = formatPassCode(code);
    else if (code !== null && input.value.indexOf('/') >= 0) input.value = formatPassCode(code);
    checkTyped();
  });

  // --- Verdict ----------------------------------------------------------------------------------

  function showVerdict(kind, title, detail, redemptionId) {
    const box = el('div', { class: `fr-alert ${kind === 'refused' ? 'fr-alert--error' : kind === 'accepted' ? 'fr-alert--success' : 'fr-alert--info'} pn-verdict__box`, 'data-verdict': kind }, [
      el('h2', { class: 'fr-alert__title pn-verdict__title' }, [title]),
      el('p', {}, [detail]),
    ]);
    if (redemptionId) {
      box.append(
        el('form', { method: 'post', action: `/encaisser/annuler/${encodeURIComponent(redemptionId)}`, class: 'fr-mt-2w' }, [
          el('input', { type: 'hidden', name: '_csrf', value: csrfToken }),
          el('button', { type: 'submit', class: 'fr-btn fr-btn--sm fr-btn--tertiary' }, ['Annuler cet encaissement']),
        ]),
      );
    }
    verdict.replaceChildren(box);
    verdict.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }

  async function submit(action) {
    if (busy) return;
    const state = checkTyped();
    if (state !== 'ok') {
      if (state === 'empty') showMessage('error', 'Saisissez le code du pass ou scannez son QR code.');
      input.focus();
      return;
    }
    busy = true;
    const data = new window.FormData(form);
    const body = { code: cleanPassCodeInput(codeFromScan(input.value)) };
    if (data.get('siteId')) body.siteId = String(data.get('siteId'));
    if (action !== 'tester' && data.get('service')) body.service = String(data.get('service'));
    const headers = { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrfToken };
    // A retried request (flaky counter Wi-Fi) must not redeem twice: each attempt carries its own key.
    if (action !== 'tester') headers['idempotency-key'] = window.crypto.randomUUID();
    verdict.setAttribute('aria-busy', 'true');
    try {
      const response = await fetch(action === 'tester' ? '/api/v1/redemptions/check' : '/api/v1/redemptions', {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        credentials: 'same-origin',
      });
      const json = await response.json().catch(() => ({}));
      if (response.status === 201) {
        showVerdict(
          'accepted',
          `Pass accepté — ${euros.format(json.amountCents / 100)}`,
          `Pass ${json.code} encaissé le ${dateTime.format(new Date(json.redeemedAt))} (${json.siteName}). En cas d’erreur, vous pouvez annuler cet encaissement pendant 24 heures.`,
          json.id,
        );
        input.value = '';
        showMessage('info', '');
      } else if (response.ok && action === 'tester') {
        if (json.redeemable) {
          const last = new Date(`${json.lastAcceptedDay}T12:00:00Z`).toLocaleDateString('fr-FR', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
          showVerdict('valid', `Pass valable — ${euros.format(json.faceValueCents / 100)}`, `Rien n’a été encaissé. Ce pass est accepté jusqu’au ${last}.`);
        } else {
          showVerdict('refused', titles[json.reason] || 'Pass refusé', json.message);
        }
      } else {
        showVerdict('refused', titles[json.code] || 'Pass refusé', json.detail || 'Le pass n’a pas pu être vérifié.');
      }
    } catch {
      showVerdict('refused', 'Pas de connexion', 'Le serveur n’a pas répondu : réessayez dans un instant. Si ce message s’affiche, rien n’a été encaissé.');
    } finally {
      verdict.removeAttribute('aria-busy');
      busy = false;
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit(event.submitter && event.submitter.value === 'tester' ? 'tester' : 'encaisser');
  });

  // --- Camera -----------------------------------------------------------------------------------

  const camera = document.getElementById('camera');
  if (!camera || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  const start = document.getElementById('camera-start');
  const stop = document.getElementById('camera-stop');
  const view = document.getElementById('camera-view');
  const video = document.getElementById('camera-video');
  const status = document.getElementById('camera-status');
  camera.hidden = false;
  let stream = null;
  let detector = null;

  async function loadDetector() {
    if (detector) return detector;
    if ('BarcodeDetector' in window) {
      try {
        const formats = await window.BarcodeDetector.getSupportedFormats();
        if (formats.includes('qr_code')) return (detector = new window.BarcodeDetector({ formats: ['qr_code'] }));
      } catch {
        // fall back to the ponyfill
      }
    }
    const module = await import(BARCODE_DETECTOR);
    // Served by us: by default the ponyfill would fetch its .wasm from a CDN.
    await module.prepareZXingModule({
      overrides: { locateFile: (path, prefix) => (path.endsWith('.wasm') ? ZXING_DIR + path : prefix + path) },
      fireImmediately: true,
    });
    return (detector = new module.BarcodeDetector({ formats: ['qr_code'] }));
  }

  function stopCamera() {
    if (stream) for (const track of stream.getTracks()) track.stop();
    stream = null;
    video.srcObject = null;
    view.hidden = true;
    start.hidden = false;
  }

  async function scanLoop(current) {
    while (stream === current) {
      try {
        if (video.readyState >= 2) {
          const found = await detector.detect(video);
          const hit = found.find((b) => cleanPassCodeInput(codeFromScan(b.rawValue)) !== null);
          if (hit && stream === current) {
            stopCamera();
            input.value = formatPassCode(cleanPassCodeInput(codeFromScan(hit.rawValue)));
            status.textContent = 'QR code lu.';
            checkTyped();
            submit('encaisser');
            return;
          }
        }
      } catch {
        // a frame the decoder could not read: try the next one
      }
      await new Promise((resolve) => setTimeout(resolve, SCAN_INTERVAL_MS));
    }
  }

  start.addEventListener('click', async () => {
    status.textContent = 'Ouverture de la caméra…';
    try {
      const current = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false });
      stream = current;
      video.srcObject = current;
      view.hidden = false;
      start.hidden = true;
      await video.play();
      await loadDetector();
      status.textContent = 'Caméra prête : placez le QR code du pass dans le cadre.';
      stop.focus();
      scanLoop(current);
    } catch {
      stopCamera();
      status.textContent = 'Caméra indisponible (refusée ou absente) : saisissez le code à la main.';
      input.focus();
    }
  });

  stop.addEventListener('click', () => {
    stopCamera();
    status.textContent = 'Caméra arrêtée.';
    start.focus();
  });

  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && stream) {
      stopCamera();
      status.textContent = 'Caméra arrêtée.';
      start.focus();
    }
  });
}
