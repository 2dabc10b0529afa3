// Import page: reads the chosen file into the text area, so the form posts it without multipart.
const group = document.getElementById('import-file-group');
const file = document.getElementById('import-file');
const content = document.getElementById('import-content');
if (group && file && content && window.FileReader) {
  group.hidden = false;
  file.addEventListener('change', () => {
    const chosen = file.files && file.files[0];
    if (!chosen) return;
    chosen.text().then((text) => {
      content.value = text;
    });
  });
}
