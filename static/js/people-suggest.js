// Suggests people as you type a name: every input with `data-people-source` fills its <datalist>
// from that JSON endpoint (`?q=<text>`, answering `{"results": [{"name", "label"?}]}`), which
// applies the page's access policy. No library: a plain fetch, after a short pause in typing.
"use strict";
document.querySelectorAll("input[data-people-source]").forEach((input) => {
  const list = document.getElementById(input.getAttribute("list"));
  let timer = null;
  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    const text = input.value.trim();
    if (!list || text.length < 2 || /^\d+$/.test(text) || /\(#\d+\)$/.test(text)) return;
    timer = window.setTimeout(async () => {
      const url = new URL(input.dataset.peopleSource, window.location.href);
      url.searchParams.set("q", text);
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const body = await response.json();
      list.replaceChildren(
        ...body.results.map((person) => {
          const option = document.createElement("option");
          option.value = person.label || person.name;
          return option;
        }),
      );
    }, 150);
  });
});
