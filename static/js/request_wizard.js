// The request wizard's date picker: says at once that a weekend day cannot be chosen (the
// server refuses it too; this only saves a round trip). Browsers' pickers cannot grey out weekends.
document.querySelectorAll("input[type=date][data-weekdays-only]").forEach((input) => {
  const check = () => {
    const day = input.valueAsDate ? input.valueAsDate.getUTCDay() : null;
    const weekend = day === 0 || day === 6;
    input.setCustomValidity(weekend ? "Inspections happen Monday to Friday: choose a weekday." : "");
    if (weekend) input.reportValidity();
  };
  input.addEventListener("change", check);
  input.addEventListener("input", check);
});
