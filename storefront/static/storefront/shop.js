// Progressive enhancement only: every page works without this file.
// Copy buttons beside activation codes (shown only when the browser can copy).
document.addEventListener("DOMContentLoaded", () => {
  if (!navigator.clipboard) return;
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      const code = document.getElementById(button.dataset.copy);
      try {
        await navigator.clipboard.writeText(code.textContent.trim());
        button.textContent = "Copied";
      } catch {
        button.textContent = "Select and copy the code";
      }
    });
  }
});

// A paid order waiting for its eSIM: ask for its status now and then, and show the page again
// once it changes (without a script, a <noscript> refresh does the same, more slowly).
document.addEventListener("DOMContentLoaded", () => {
  const status = document.querySelector("[data-poll-seconds]");
  if (!status) return;
  const url = `${location.pathname}/status${location.search}`;
  const poll = async () => {
    try {
      const response = await fetch(url, {headers: {Accept: "application/json"}, cache: "no-store"});
      if (response.ok) {
        const now = await response.json();
        if (now.status !== status.dataset.orderStatus || String(now.esims) !== status.dataset.esims) {
          location.reload();
          return;
        }
      }
    } catch {
      // offline for a moment (an airport's Wi-Fi): try again at the next turn
    }
    setTimeout(poll, Number(status.dataset.pollSeconds) * 1000);
  };
  setTimeout(poll, Number(status.dataset.pollSeconds) * 1000);
});
