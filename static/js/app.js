// Progressive enhancement only: every page works without this file.

// A search box above long lists of choices (key areas, example activities): typing hides the choices
// that do not contain the words and opens the groups that still have some.
function addChoiceFilter(group) {
  const input = document.createElement("input");
  input.type = "search";
  input.id = group.id + "-filter";
  input.className = "choice-filter";
  const label = document.createElement("label");
  label.htmlFor = input.id;
  label.textContent = group.dataset.filterLabel;
  const box = document.createElement("div");
  box.className = "field";
  box.append(label, input);
  group.querySelector("legend").after(box);

  input.addEventListener("input", () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    for (const item of group.querySelectorAll("li")) {
      const text = item.textContent.toLowerCase();
      item.hidden = !words.every((word) => text.includes(word));
    }
    for (const fold of group.querySelectorAll("details, .choice-subgroup")) {
      const shown = fold.querySelectorAll("li:not([hidden])").length;
      fold.hidden = words.length > 0 && shown === 0;
      if (fold.tagName === "DETAILS" && words.length > 0) fold.open = true;
    }
  });
}

document.querySelectorAll("fieldset[data-filter-label]").forEach(addChoiceFilter);
