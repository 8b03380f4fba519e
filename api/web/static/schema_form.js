// Show a schema form's conditional fields only while the choice they depend on is made.
// Without this script every field shows and the server checks the rules alone; a hidden
// field's inputs are disabled, so what it held is not sent.
for (const form of document.querySelectorAll("form.schema-form")) {
  const chosen = (name) => {
    const input = form.querySelector(`[name="${name}"]:checked`) ||
      form.querySelector(`select[name="${name}"]`);
    return input ? input.value : "";
  };
  const update = () => {
    for (const field of form.querySelectorAll(".field[data-when]")) {
      const shown = field.dataset.values.split("|").includes(chosen(field.dataset.when)) ||
        field.querySelector(".field-error") !== null;
      field.hidden = !shown;
      for (const input of field.querySelectorAll("input, select, textarea")) {
        input.disabled = !shown;
      }
    }
  };
  form.addEventListener("change", update);
  update();
}
