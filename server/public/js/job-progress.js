// Follows a background job on the page that started it: polls GET /api/v1/jobs/{id} every second
// and moves the progress bar; reloads the page when the job has ended. Without JavaScript (or when
// the API answers anything else: a buyer does not see the operator's jobs) the page offers its
// <noscript> refresh, or a reload every 5 s.
for (const box of document.querySelectorAll('.pn-job-progress[data-job-id]')) {
  const bar = box.querySelector('progress');
  const done = box.querySelector('[data-job-done]');
  const percent = box.querySelector('[data-job-percent]');
  const poll = async () => {
    try {
      const res = await fetch(`/api/v1/jobs/${encodeURIComponent(box.dataset.jobId)}`, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      if (!res.ok) return void setTimeout(() => window.location.reload(), 5000);
      const job = await res.json();
      if (job.status === 'done' || job.status === 'failed') return window.location.reload();
      bar.max = job.progress.total;
      bar.value = job.progress.done;
      done.textContent = job.progress.done.toLocaleString('fr-FR');
      percent.textContent = String(job.progress.total ? Math.min(99, Math.floor((job.progress.done * 100) / job.progress.total)) : 0);
      setTimeout(poll, 1000);
    } catch {
      // The meta refresh takes over.
    }
  };
  setTimeout(poll, 1000);
}
