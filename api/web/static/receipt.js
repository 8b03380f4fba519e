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
