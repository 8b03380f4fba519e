// Draw the on-time rate by month and department with Chart.js, from the page's JSON series.
(async () => {
  const canvas = document.getElementById('on-time-chart');
  const response = await fetch(canvas.dataset.series, { credentials: 'same-origin' });
  const series = await response.json();
  const months = [...new Set(series.rows.map((row) => row.month))];
  const departments = [...new Set(series.rows.map((row) => row.department_name))];
  if (months.length === 0) {
    const empty = document.getElementById('on-time-chart-empty');
    empty.textContent = canvas.dataset.empty;
    empty.hidden = false;
  }
  const datasets = departments.map((name) => ({
    label: name,
    data: months.map((month) => {
      const row = series.rows.find((r) => r.month === month && r.department_name === name);
      return row && row.on_time_rate !== null ? Math.round(row.on_time_rate * 1000) / 10 : null;
    }),
  }));
  canvas.chart = new Chart(canvas, {
    type: 'bar',
    data: { labels: months, datasets },
    // Drawn at once: no animation to wait for, and nothing moving for people who dislike motion.
    options: { animation: false, scales: { y: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } } } },
  });
})();
