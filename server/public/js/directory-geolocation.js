// "Autour de moi": with the visitor's permission, fills the form's lat/lon and submits it. The
// position goes only into this request's URL, nothing stores it. Without JavaScript or
// permission, searching by commune works the same.
const form = document.getElementById('recherche-lieux');
const block = form?.querySelector('[data-geolocation]');
if (form && block && 'geolocation' in navigator) {
  const status = block.querySelector('[data-geolocation-status]');
  block.hidden = false;
  block.querySelector('button').addEventListener('click', () => {
    status.textContent = 'Recherche de votre position…';
    navigator.geolocation.getCurrentPosition(
      (position) => {
        form.elements.lat.value = position.coords.latitude.toFixed(4);
        form.elements.lon.value = position.coords.longitude.toFixed(4);
        form.elements.q.value = '';
        form.submit();
      },
      () => {
        status.textContent = 'Position indisponible : indiquez votre commune ou votre code postal.';
      },
      { timeout: 10000, maximumAge: 600000 },
    );
  });
}
