// The receipt page: the print button, and no second dossier on reload. The page answers the
// intake's POST (the PIN exists only there), so reloading it would post the intake again:
// give the page the dossier's own address instead, and a reload shows its control sheet.
const slip = document.querySelector("[data-testid=receipt]");
if (slip) {
  history.replaceState(null, "", slip.dataset.reloadUrl);
}
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}

// Each digitised component's scan is sent after the receipt without leaving the page, whose
// PIN exists only here; the answer says it was kept, or why not.
for (const form of document.querySelectorAll("form[data-scan]")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const status = form.querySelector("[data-scan-status]");
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const response = await fetch(form.action, {
        method: "POST", body: new FormData(form), headers: {"X-CSRF-Token": form.dataset.csrf},
      });
      const body = await response.json().catch(() => ({}));
      status.textContent = response.ok ? form.dataset.saved
        : (body.error && body.error.message) || form.dataset.failed;
    } catch {
      status.textContent = form.dataset.failed;
    } finally {
      button.disabled = false;
    }
  });
}
