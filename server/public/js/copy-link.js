// "Copier le lien": shown only where the clipboard can be written; without JavaScript the link stays selectable.
for (const button of document.querySelectorAll('[data-copy-target]')) {
  if (!navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener('click', async () => {
    const target = document.getElementById(button.dataset.copyTarget);
    const status = document.getElementById(`${button.dataset.copyTarget}-copied`);
    try {
      await navigator.clipboard.writeText(target.textContent.trim());
      if (status) status.textContent = 'Lien copié.';
    } catch {
      if (status) status.textContent = 'La copie a échoué : sélectionnez le lien à la main.';
    }
  });
}
