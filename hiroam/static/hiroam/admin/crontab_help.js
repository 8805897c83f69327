// The periodic task form: under the crontab field, say in words when the chosen schedule runs.
"use strict";
(function () {
  const script = document.getElementById("crontab-help-script");
  const readable = JSON.parse(document.getElementById("readable-crontabs").textContent);
  const select = document.getElementById("id_crontab");
  const help = document.querySelector(".field-crontab .help");
  const translation = document.querySelector(".field-crontab_translation");
  if (translation) translation.hidden = true;
  if (!select || !help) return;
  const show = () => {
    const words = readable[select.value];
    help.textContent = script.dataset.help + (words ? ` (${words})` : "");
  };
  select.addEventListener("change", show);
  show();
})();
